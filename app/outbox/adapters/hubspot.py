"""HubSpot CRM: contacts for leads and buyers, a won deal for each paid order."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from app.checkout.models import Customer, JourneyStage, Order
from app.extensions import db
from app.money import cents_to_decimal
from app.outbox.adapters.base import DeliveryFailed, NothingToSend, send_json
from app.outbox.models import OutboxMessage
from app.privacy.services import unseal
from app.timeutil import as_utc

# A unique custom deal property (single-line text, "unique values" on) that marketing
# creates once in HubSpot; it makes the deal upsert idempotent per order.
ORDER_ID_PROPERTY = "cv_order_id"


def split_name(name: str) -> tuple[str, str]:
    """First name and the rest, split on the first space ("" when there is no rest)."""
    first, _, rest = name.strip().partition(" ")
    return first, rest.strip()


def deal_name(order: Order) -> str:
    """How the deal reads in HubSpot: event, offer and the short order reference."""
    return f"Café com Vendas — {order.offer.localized_name('pt_PT')} — {order.id.hex[:8]}"


def _upserted_id(response: requests.Response, what: str) -> str:
    """The id of the one record a batch upsert answered with."""
    try:
        body = response.json()
        results = body.get("results") or []
        if results:
            return str(results[0]["id"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DeliveryFailed(f"HubSpot {what} upsert: unreadable answer") from exc
    # A 2xx batch answer without the record (a 207 multi-status) carries the reason.
    errors = body.get("errors") or [{}]
    reason = errors[0].get("message") or response.text[:200]
    raise DeliveryFailed(f"HubSpot {what} upsert refused: {reason}", permanent=True)


class HubSpotAdapter:
    """Keeps HubSpot's contacts and deals in step with the shop's leads and paid orders."""

    channel = "crm"

    def __init__(self, config: dict[str, Any]) -> None:
        self.token: str = config.get("HUBSPOT_TOKEN") or ""
        self.base: str = (config.get("HUBSPOT_API_BASE") or "https://api.hubapi.com").rstrip("/")
        self.timeout: float = float(config.get("OUTBOX_HTTP_TIMEOUT", 10))

    @property
    def enabled(self) -> bool:
        """On only with a private app token."""
        return bool(self.token)

    def deliver(self, message: OutboxMessage) -> None:
        """The contact exists with its lifecycle stage; a purchase also has its won deal.

        Contacts are upserted by email and deals by order id, so a retry after a
        partial delivery updates the same records instead of making new ones.
        """
        if message.kind == "erase":
            self._erase(message)
            return
        if message.kind not in ("contact", "purchase"):
            raise DeliveryFailed(f"HubSpot has no message kind {message.kind!r}", permanent=True)
        payload = message.payload
        # None once the person was erased.
        customer_id = payload.get("customer_id")
        customer = db.session.get(Customer, customer_id) if customer_id else None
        if customer is None:
            raise NothingToSend(f"customer {customer_id} no longer exists")
        if message.kind == "contact":
            self._upsert_contact(message, customer, buyer=payload.get("stage") == "buyer")
            return

        order = db.session.get(Order, uuid.UUID(payload["order_id"]))
        if order is None:
            raise NothingToSend(f"order {payload['order_id']} no longer exists")
        contact_id = self._upsert_contact(message, customer, buyer=True)
        deal_id = self._upsert_deal(message, order)
        send_json(
            "PUT",
            f"{self.base}/crm/v4/objects/deals/{deal_id}/associations/default/contacts/{contact_id}",
            message=message,
            timeout=self.timeout,
            headers=self._headers,
        )

    def _erase(self, message: OutboxMessage) -> None:
        """GDPR deletion of the contact (and its associations) in HubSpot, by email.

        Only queued for people HubSpot received: for an unknown address HubSpot adds it
        to a block list instead.
        """
        try:
            address = unseal(message.payload)
        except LookupError as exc:
            raise NothingToSend(str(exc)) from exc
        send_json(
            "POST",
            f"{self.base}/crm/v3/objects/contacts/gdpr-delete",
            message=message,
            timeout=self.timeout,
            headers=self._headers,
            json={"objectId": address, "idProperty": "email"},
        )

    # -- steps ---------------------------------------------------------------------

    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _upsert_contact(self, message: OutboxMessage, customer: Customer, *, buyer: bool) -> str:
        # HubSpot will not move a lifecycle stage backwards: a lead message delivered
        # after the person bought says "customer", as the shop now knows them.
        is_customer = buyer or customer.journey_stage == JourneyStage.PURCHASE
        first, last = split_name(customer.name)
        properties = {
            "email": customer.email,
            "firstname": first,
            "lifecyclestage": "customer" if is_customer else "lead",
        }
        if last:
            properties["lastname"] = last
        response = send_json(
            "POST",
            f"{self.base}/crm/v3/objects/contacts/batch/upsert",
            message=message,
            timeout=self.timeout,
            headers=self._headers,
            json={
                "inputs": [{"idProperty": "email", "id": customer.email, "properties": properties}]
            },
        )
        return _upserted_id(response, "contact")

    def _upsert_deal(self, message: OutboxMessage, order: Order) -> str:
        properties = {
            "dealname": deal_name(order),
            "amount": str(cents_to_decimal(order.amount_cents)),
            "dealstage": "closedwon",
            "pipeline": "default",
        }
        if order.paid_at is not None:
            # ISO 8601 in UTC with milliseconds, the form HubSpot's own answers use.
            paid_at = as_utc(order.paid_at).isoformat(timespec="milliseconds")
            properties["closedate"] = paid_at.replace("+00:00", "Z")
        response = send_json(
            "POST",
            f"{self.base}/crm/v3/objects/deals/batch/upsert",
            message=message,
            timeout=self.timeout,
            headers=self._headers,
            json={
                "inputs": [
                    {"idProperty": ORDER_ID_PROPERTY, "id": str(order.id), "properties": properties}
                ]
            },
        )
        return _upserted_id(response, "deal")
