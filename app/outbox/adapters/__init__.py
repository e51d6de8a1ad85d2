"""Delivery adapters: one per outside system, each off until it is configured."""

from __future__ import annotations

from typing import Any

from app.outbox.adapters.base import Adapter
from app.outbox.adapters.email import EmailAdapter
from app.outbox.adapters.ga4 import Ga4Adapter
from app.outbox.adapters.hubspot import HubSpotAdapter
from app.outbox.adapters.invoicexpress import InvoiceXpressAdapter
from app.outbox.adapters.invoicing import DemoInvoicer
from app.outbox.adapters.kit import KitAdapter


def build_adapters(config: dict[str, Any]) -> dict[str, Adapter]:
    """Every channel's adapter, built from the app's settings."""
    adapters: list[Adapter] = [
        EmailAdapter(config),
        KitAdapter(config),
        HubSpotAdapter(config),
        Ga4Adapter(config),
        # A certified service when configured (both settings); the demo invoicer otherwise.
        InvoiceXpressAdapter(config)
        if config.get("INVOICEXPRESS_API_KEY") and config.get("INVOICEXPRESS_ACCOUNT")
        else DemoInvoicer(config),
    ]
    return {adapter.channel: adapter for adapter in adapters}
