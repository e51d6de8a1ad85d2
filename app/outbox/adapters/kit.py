"""Kit (ConvertKit) API v4: subscribers, segmenting tags and the buyers' sequence."""

from __future__ import annotations

from typing import Any

import requests
from sqlalchemy import select

from app.checkout.models import Customer
from app.extensions import db
from app.leads.models import Lead
from app.outbox.adapters.base import DeliveryFailed, NothingToSend, send_json
from app.outbox.models import OutboxMessage
from app.privacy.services import unseal

# The journey stage as marketing reads it in Kit (the shop's copy is Portuguese).
JOURNEY_TAGS = {"lead": "jornada:lead", "buyer": "jornada:comprador"}


def tag_names(payload: dict[str, Any]) -> list[str]:
    """The Kit tags a subscriber message asks for: business type, business stage, journey."""
    names = []
    if payload.get("business_type"):
        names.append(f"negocio:{payload['business_type']}")
    if payload.get("business_stage"):
        names.append(f"fase:{payload['business_stage']}")
    journey = JOURNEY_TAGS.get(payload.get("stage", ""))
    if journey:
        names.append(journey)
    return names


def _id_in(response: requests.Response, key: str) -> int:
    """The id of the object Kit answered with ({key: {"id": ...}}), or a retryable failure."""
    try:
        return int(response.json()[key]["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DeliveryFailed(
            f"Kit answered {response.status_code} without a {key} id: {response.text[:200]}"
        ) from exc


class KitAdapter:
    """Adds buyers and confirmed leads to Kit, tagged so marketing can segment them."""

    channel = "kit"

    def __init__(self, config: dict[str, Any]) -> None:
        self.api_key: str = config.get("KIT_API_KEY") or ""
        self.base: str = (config.get("KIT_API_BASE") or "https://api.kit.com").rstrip("/")
        self.buyer_sequence_id: str = str(config.get("KIT_BUYER_SEQUENCE_ID") or "").strip()
        self.timeout: float = float(config.get("OUTBOX_HTTP_TIMEOUT", 10))
        # Tag name -> Kit id, learnt once per worker: a tag is asked for by name only
        # the first time it is needed.
        self._tag_ids: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        """On only with an API key."""
        return bool(self.api_key)

    def deliver(self, message: OutboxMessage) -> None:
        """The subscriber exists in Kit with every tag asked for (and the sequence, for buyers).

        Every call is an upsert or returns what already exists, so a retry after a
        partial delivery repeats nothing.
        """
        if message.kind == "erase":
            self._erase(message)
            return
        if message.kind != "subscriber":
            raise DeliveryFailed(f"Kit has no message kind {message.kind!r}", permanent=True)
        payload = message.payload
        # None once the person was erased.
        customer_id = payload.get("customer_id")
        customer = db.session.get(Customer, customer_id) if customer_id else None
        if customer is None:
            raise NothingToSend(f"customer {customer_id} no longer exists")
        if payload.get("stage") == "lead" and not self._still_consents(customer):
            # Queued with marketing consent that was withdrawn before delivery.
            raise NothingToSend("the lead no longer consents to marketing email")

        subscriber_id = self._upsert_subscriber(message, customer)
        for name in tag_names(payload):
            self._tag(message, name, subscriber_id)
        if payload.get("stage") == "buyer" and self.buyer_sequence_id:
            self._post(
                message,
                f"/v4/sequences/{self.buyer_sequence_id}/subscribers",
                {"email_address": customer.email},
            )

    def _erase(self, message: OutboxMessage) -> None:
        """The person asked to be forgotten: every Kit subscriber with that address is
        unsubscribed, so Kit never writes to them again.

        Kit's API (v4) offers no deletion; an unsubscribed address gets no email and
        the README tells the operator how to delete it from Kit's own screens.
        """
        try:
            address = unseal(message.payload)
        except LookupError as exc:
            raise NothingToSend(str(exc)) from exc
        response = send_json(
            "GET",
            f"{self.base}/v4/subscribers",
            message=message,
            timeout=self.timeout,
            headers={"X-Kit-Api-Key": self.api_key},
            params={"email_address": address, "status": "all"},
        )
        try:
            found = [int(item["id"]) for item in response.json().get("subscribers") or []]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise DeliveryFailed("Kit answered an unreadable subscriber list") from exc
        for subscriber_id in found:
            self._post(message, f"/v4/subscribers/{subscriber_id}/unsubscribe", {})

    # -- steps ---------------------------------------------------------------------

    @staticmethod
    def _still_consents(customer: Customer) -> bool:
        lead = db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))
        return bool(lead and lead.marketing_consent)

    def _upsert_subscriber(self, message: OutboxMessage, customer: Customer) -> int:
        # Kit wants a first name only; the rest of the name stays in the shop.
        first_name = customer.name.split(maxsplit=1)[0] if customer.name.strip() else ""
        response = self._post(
            message,
            "/v4/subscribers",
            {"email_address": customer.email, "first_name": first_name, "state": "active"},
        )
        return _id_in(response, "subscriber")

    def _tag(self, message: OutboxMessage, name: str, subscriber_id: int) -> None:
        cached = name in self._tag_ids
        tag_id = self._tag_id(message, name)
        try:
            self._post(message, f"/v4/tags/{tag_id}/subscribers/{subscriber_id}", {})
        except DeliveryFailed as exc:
            if not (cached and exc.permanent):
                raise
            # The tag may have been deleted in Kit since this worker cached its id:
            # ask for it by name again, once.
            self._tag_ids.pop(name, None)
            tag_id = self._tag_id(message, name)
            self._post(message, f"/v4/tags/{tag_id}/subscribers/{subscriber_id}", {})

    def _tag_id(self, message: OutboxMessage, name: str) -> int:
        if name not in self._tag_ids:
            # Kit answers 200 with the tag of that name if it exists, 201 with a new one.
            response = self._post(message, "/v4/tags", {"name": name})
            self._tag_ids[name] = _id_in(response, "tag")
        return self._tag_ids[name]

    def _post(self, message: OutboxMessage, path: str, body: dict[str, Any]) -> requests.Response:
        return send_json(
            "POST",
            f"{self.base}{path}",
            message=message,
            timeout=self.timeout,
            json=body,
            headers={"X-Kit-Api-Key": self.api_key},
        )
