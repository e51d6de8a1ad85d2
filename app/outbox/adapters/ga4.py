"""GA4 Measurement Protocol: purchases and refunds, sent from the server.

GA4 hears about an order only when the buyer allowed analytics at checkout (the
order then carries the browser's GA client id). What it gets is the order's id,
amounts and offer: never an email, a name or a phone number.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests

from app.money import cents_to_decimal, vat_included
from app.outbox.adapters.base import send_json
from app.outbox.errors import DeliveryFailed
from app.outbox.models import OutboxMessage

# The debug command's made-up order: nothing sent to the validation server is a real sale.
SAMPLE_CLIENT_ID = "1234567890.1234567890"
SAMPLE_OFFER = ("amostra", "Amostra (ga4 debug)")
SAMPLE_CENTS = 14700
SAMPLE_VAT_CENTS = vat_included(SAMPLE_CENTS, Decimal("0.23"))


class Ga4NotConfigured(RuntimeError):
    """GA4_MEASUREMENT_ID or GA4_API_SECRET is missing."""


def _euros(cents: int) -> float:
    # GA4 wants a JSON number; the float is made here, at the boundary, from exact cents.
    return float(cents_to_decimal(cents))


def order_event(
    name: str,
    *,
    transaction_id: str,
    value_cents: int,
    currency: str,
    item: tuple[str, str],
    price_cents: int,
    tax_cents: int | None = None,
    payment_type: str | None = None,
    quantity: int = 1,
    coupon: str | None = None,
) -> dict[str, Any]:
    """One GA4 ecommerce event (purchase or refund) for an order of one offer: `quantity`
    seats at `price_cents` each."""
    item_id, item_name = item
    params: dict[str, Any] = {
        "transaction_id": transaction_id,
        "value": _euros(value_cents),
        "currency": currency,
        "items": [
            {
                "item_id": item_id,
                "item_name": item_name,
                "price": _euros(price_cents),
                "quantity": quantity,
            }
        ],
    }
    if payment_type:
        params["payment_type"] = payment_type
    if coupon:
        # The discount code used: GA4 reports sales by coupon from the event's own field.
        params["coupon"] = coupon
    if tax_cents is not None:
        params["tax"] = _euros(tax_cents)
    return {"name": name, "params": params}


@dataclass(frozen=True)
class Hit:
    """Measurement Protocol events for one browser (the buyer's GA client id)."""

    client_id: str
    events: tuple[dict[str, Any], ...]


class Ga4Adapter:
    """Sends paid and refunded orders to GA4 for buyers who allowed analytics."""

    channel = "ga4"

    def __init__(self, config: dict[str, Any]) -> None:
        self.measurement_id: str = config.get("GA4_MEASUREMENT_ID") or ""
        self.api_secret: str = config.get("GA4_API_SECRET") or ""
        endpoint = config.get("GA4_ENDPOINT") or "https://www.google-analytics.com"
        self.endpoint: str = endpoint.rstrip("/")
        self.timeout: float = float(config.get("OUTBOX_HTTP_TIMEOUT", 10))

    @property
    def enabled(self) -> bool:
        """On only with both a measurement id and an API secret."""
        return bool(self.measurement_id and self.api_secret)

    def deliver(self, message: OutboxMessage, letter: Hit) -> None:
        """GA4 has the events, tied to the buyer's GA client id."""
        self.send({"client_id": letter.client_id, "events": list(letter.events)}, message)

    def send(
        self, body: dict[str, Any], message: OutboxMessage, *, debug: bool = False
    ) -> requests.Response:
        """POST a Measurement Protocol body (to the validation server with `debug`)."""
        path = "/debug/mp/collect" if debug else "/mp/collect"
        return send_json(
            "POST",
            f"{self.endpoint}{path}",
            message=message,
            timeout=self.timeout,
            json=body,
            params={"measurement_id": self.measurement_id, "api_secret": self.api_secret},
        )


def sample_body() -> dict[str, Any]:
    """A purchase shaped exactly as the adapter sends one, for a made-up order."""
    event = order_event(
        "purchase",
        transaction_id=f"debug-{uuid.uuid4().hex[:12]}",
        value_cents=SAMPLE_CENTS,
        currency="EUR",
        item=SAMPLE_OFFER,
        price_cents=SAMPLE_CENTS,
        tax_cents=SAMPLE_VAT_CENTS,
    )
    return {"client_id": SAMPLE_CLIENT_ID, "events": [event]}


def debug_sample(config: dict[str, Any]) -> list[dict[str, Any]]:
    """Send a sample purchase to GA4's validation server; returns its validation messages.

    An empty list means GA4 would accept the payload. Raises Ga4NotConfigured without
    credentials and DeliveryFailed when the server cannot be reached or answers badly.
    """
    adapter = Ga4Adapter(config)
    if not adapter.enabled:
        raise Ga4NotConfigured("set GA4_MEASUREMENT_ID and GA4_API_SECRET")
    # The strictest checks GA4 offers; they apply to the validation server only.
    body = {**sample_body(), "validation_behavior": "ENFORCE_RECOMMENDATIONS"}
    # Never added to the session: it only gives the request its idempotency key.
    probe = OutboxMessage(channel="ga4", kind="debug", idempotency_key=f"ga4:debug:{uuid.uuid4()}")
    response = adapter.send(body, probe, debug=True)
    try:
        messages = response.json().get("validationMessages", [])
    except (ValueError, AttributeError) as exc:
        raise DeliveryFailed(f"the validation server answered {response.text[:200]!r}") from exc
    return list(messages)
