"""Kit (ConvertKit) API v4: subscribers, segmenting tags and the buyers' sequence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from app.outbox.adapters.base import send_json
from app.outbox.errors import DeliveryFailed
from app.outbox.models import OutboxMessage

# The journey stage as marketing reads it in Kit (the shop's copy is Portuguese).
JOURNEY_TAGS = {"lead": "jornada:lead", "buyer": "jornada:comprador"}


def tag_names(payload: dict[str, Any]) -> list[str]:
    """The Kit tags a subscriber message asks for: business type, business stage, journey,
    first-touch source and campaign."""
    names = []
    if payload.get("business_type"):
        names.append(f"negocio:{payload['business_type']}")
    if payload.get("business_stage"):
        names.append(f"fase:{payload['business_stage']}")
    journey = JOURNEY_TAGS.get(payload.get("stage", ""))
    if journey:
        names.append(journey)
    # Where the person first came from, so marketing can segment by campaign.
    if payload.get("first_source"):
        names.append(f"origem:{payload['first_source']}")
    if payload.get("first_campaign"):
        names.append(f"campanha:{payload['first_campaign']}")
    return names


@dataclass(frozen=True)
class Subscriber:
    """A person Kit should have, with the tags marketing segments by."""

    email: str
    # Kit wants a first name only; the rest of the name stays in the shop.
    first_name: str
    tags: tuple[str, ...]
    # Buyers also join the buyers' sequence (KIT_BUYER_SEQUENCE_ID), when one is set.
    buyer: bool = False


@dataclass(frozen=True)
class Unsubscribe:
    """A person who withdrew consent or asked to be forgotten: Kit must never write to
    them again."""

    email: str


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

    def deliver(self, message: OutboxMessage, letter: Subscriber | Unsubscribe) -> None:
        """The subscriber exists in Kit with every tag asked for (and the sequence, for buyers).

        Every call is an upsert or returns what already exists, so a retry after a
        partial delivery repeats nothing.
        """
        if isinstance(letter, Unsubscribe):
            self._erase(message, letter.email)
            return
        subscriber_id = self._upsert_subscriber(message, letter)
        for name in letter.tags:
            self._tag(message, name, subscriber_id)
        if letter.buyer and self.buyer_sequence_id:
            self._post(
                message,
                f"/v4/sequences/{self.buyer_sequence_id}/subscribers",
                {"email_address": letter.email},
            )

    def _erase(self, message: OutboxMessage, address: str) -> None:
        """The person asked to be forgotten: every Kit subscriber with that address is
        unsubscribed, so Kit never writes to them again.

        Kit's API (v4) offers no deletion; an unsubscribed address gets no email and
        docs/privacy.md tells the operator how to delete it from Kit's own screens.
        """
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

    def _upsert_subscriber(self, message: OutboxMessage, subscriber: Subscriber) -> int:
        response = self._post(
            message,
            "/v4/subscribers",
            {
                "email_address": subscriber.email,
                "first_name": subscriber.first_name,
                "state": "active",
            },
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
