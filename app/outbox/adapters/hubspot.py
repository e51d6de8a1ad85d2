"""HubSpot CRM: contacts for leads and buyers, a won deal for each paid order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import requests

from app.outbox.adapters.base import send_json
from app.outbox.errors import DeliveryFailed
from app.outbox.models import OutboxMessage
from app.timeutil import as_utc

# A unique custom deal property (single-line text, "unique values" on) that marketing
# creates once in HubSpot; it makes the deal upsert idempotent per order.
ORDER_ID_PROPERTY = "cv_order_id"


def split_name(name: str) -> tuple[str, str]:
    """First name and the rest, split on the first space ("" when there is no rest)."""
    first, _, rest = name.strip().partition(" ")
    return first, rest.strip()


@dataclass(frozen=True)
class Contact:
    """A person as HubSpot should hold them; `customer` once they bought (else a lead)."""

    email: str
    name: str
    customer: bool
    # The first touch's source and campaign (custom contact properties cv_first_source
    # and cv_first_campaign, made once in HubSpot: docs/operations/outbox.md).
    first_source: str | None = None
    first_campaign: str | None = None


@dataclass(frozen=True)
class Purchase:
    """A paid order: the buyer's contact and a won deal keyed by our order id."""

    contact: Contact
    order_id: str
    deal_name: str
    amount: Decimal
    paid_at: datetime | None


@dataclass(frozen=True)
class Forget:
    """A person who asked to be forgotten: GDPR-delete their contact by email."""

    email: str


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

    def deliver(self, message: OutboxMessage, letter: Contact | Purchase | Forget) -> None:
        """The contact exists with its lifecycle stage; a purchase also has its won deal.

        Contacts are upserted by email and deals by order id, so a retry after a
        partial delivery updates the same records instead of making new ones.
        """
        if isinstance(letter, Forget):
            self._erase(message, letter.email)
            return
        if isinstance(letter, Contact):
            self._upsert_contact(message, letter)
            return
        contact_id = self._upsert_contact(message, letter.contact)
        deal_id = self._upsert_deal(message, letter)
        send_json(
            "PUT",
            f"{self.base}/crm/v4/objects/deals/{deal_id}/associations/default/contacts/{contact_id}",
            message=message,
            timeout=self.timeout,
            headers=self._headers,
        )

    def _erase(self, message: OutboxMessage, address: str) -> None:
        """GDPR deletion of the contact (and its associations) in HubSpot, by email.

        Only queued for people HubSpot received: for an unknown address HubSpot adds it
        to a block list instead.
        """
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

    def _upsert_contact(self, message: OutboxMessage, contact: Contact) -> str:
        first, last = split_name(contact.name)
        properties = {
            "email": contact.email,
            "firstname": first,
            "lifecyclestage": "customer" if contact.customer else "lead",
        }
        if last:
            properties["lastname"] = last
        if contact.first_source:
            properties["cv_first_source"] = contact.first_source
        if contact.first_campaign:
            properties["cv_first_campaign"] = contact.first_campaign
        response = send_json(
            "POST",
            f"{self.base}/crm/v3/objects/contacts/batch/upsert",
            message=message,
            timeout=self.timeout,
            headers=self._headers,
            json={
                "inputs": [{"idProperty": "email", "id": contact.email, "properties": properties}]
            },
        )
        return _upserted_id(response, "contact")

    def _upsert_deal(self, message: OutboxMessage, purchase: Purchase) -> str:
        properties = {
            "dealname": purchase.deal_name,
            "amount": str(purchase.amount),
            "dealstage": "closedwon",
            "pipeline": "default",
        }
        if purchase.paid_at is not None:
            # ISO 8601 in UTC with milliseconds, the form HubSpot's own answers use.
            paid_at = as_utc(purchase.paid_at).isoformat(timespec="milliseconds")
            properties["closedate"] = paid_at.replace("+00:00", "Z")
        response = send_json(
            "POST",
            f"{self.base}/crm/v3/objects/deals/batch/upsert",
            message=message,
            timeout=self.timeout,
            headers=self._headers,
            json={
                "inputs": [
                    {
                        "idProperty": ORDER_ID_PROPERTY,
                        "id": purchase.order_id,
                        "properties": properties,
                    }
                ]
            },
        )
        return _upserted_id(response, "deal")
