"""The live event written back in the data file's shape: what `flask catalog export` and
the back office's download give, what the editor starts a draft from, and what
`flask catalog sync` loads again unchanged (a new installation is seeded from it)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import yaml

from app.catalog.models import Event, Offer
from app.catalog.services import CONTENT_KEYS
from app.catalog.tiers import tier_list
from app.timeutil import to_lisbon

TIMEZONE = "Europe/Lisbon"
HEADER = (
    "# Café com Vendas: the event data file, exported from the shop.\n"
    "# Load it with `flask catalog sync` (docs/marketing/event-file.md). Text a visitor reads\n"
    "# comes in pt_PT and en; times are Lisbon wall-clock times; prices in euros, VAT in.\n\n"
)


def _local(value: datetime) -> str:
    return to_lisbon(value).strftime("%Y-%m-%d %H:%M")


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _rate(rate: Decimal) -> str:
    # Numeric(5, 4) reads back as 0.2300; the file writes 0.23.
    return format(Decimal(rate).normalize(), "f")


def offer_as_data(offer: Offer) -> dict[str, Any]:
    """One offer as the data file writes it (its early-bird tiers only if it has some)."""
    data: dict[str, Any] = {
        "slug": offer.slug,
        "name": dict(offer.name),
        "description": dict(offer.description or {}),
        "price": _euros(offer.price_cents),
        "vat_rate": _rate(offer.vat_rate),
        "capacity": offer.capacity,
        "max_per_order": offer.max_per_order,
        "sales_start": _local(offer.sales_start),
        "sales_end": _local(offer.sales_end),
    }
    tiers = tier_list(offer.price_tiers)
    if tiers:
        data["price_tiers"] = [
            {"until": _local(until), "price": _euros(cents)} for until, cents in tiers
        ]
    return data


def event_as_data(event: Event) -> dict[str, Any]:
    """The event and its offers on sale, as the data file writes them (JSON-ready)."""
    content = event.content or {}
    data: dict[str, Any] = {
        "slug": event.slug,
        "starts_at": _local(event.starts_at),
        "ends_at": _local(event.ends_at),
        "timezone": TIMEZONE,
    }
    data.update({key: content[key] for key in CONTENT_KEYS if key in content})
    # Retired offers stay in the database for their orders, not in the file.
    data["offers"] = [offer_as_data(offer) for offer in event.offers if offer.active]
    if "privacy" in content:
        data["privacy"] = content["privacy"]
    return data


def event_yaml(data: dict[str, Any]) -> str:
    """The data file's text for `data` (event_as_data's shape)."""
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return HEADER + body
