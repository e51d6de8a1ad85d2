"""The landing's schema.org Event (JSON-LD), built from the event data, never typed by hand.

Search engines read it for event listings (Google's Event rich results): name, dates with
Lisbon's offset, the venue's address, the speakers, and one Offer per ticket on sale with
whether seats are left. Pure functions: the route hands in the event, the seats it already
counted for the page, and the absolute addresses.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.catalog.models import Event, Offer
from app.money import cents_to_decimal
from app.timeutil import to_lisbon
from app.web.i18n import localized

SCHEMA = "https://schema.org"
# What JSON allows but HTML would read as markup inside <script>: "</script>" or "<!--"
# in an event's text must not end the block early.
SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


@dataclass(frozen=True)
class EventLinks:
    """Absolute addresses the structured data points at."""

    page: str
    images: tuple[str, ...]
    home: str
    checkout: dict[str, str]


def lisbon_iso(value: datetime) -> str:
    """ISO 8601 with Lisbon's offset that day: +00:00 in winter, +01:00 in summer."""
    return to_lisbon(value).isoformat(timespec="seconds")


def _place(venue: dict[str, Any]) -> dict[str, Any]:
    address = {
        "@type": "PostalAddress",
        # Without its parts in the event file, the one-line address stands for the street.
        "streetAddress": venue.get("street_address") or venue.get("address"),
        "addressLocality": venue.get("locality"),
        "postalCode": venue.get("postal_code"),
        "addressCountry": venue.get("country") or "PT",
    }
    return {
        "@type": "Place",
        "name": venue.get("name"),
        "address": {key: value for key, value in address.items() if value},
    }


def _offer(offer: Offer, seats: int, lang: str, links: EventLinks, now: datetime) -> dict[str, Any]:
    # The price a buyer pays today: an early-bird tier's while it runs, until its end.
    price = offer.price_now(now)
    data: dict[str, Any] = {
        "@type": "Offer",
        "name": offer.localized_name(lang),
        "price": f"{cents_to_decimal(price.unit_cents):.2f}",
        "priceCurrency": offer.currency or "EUR",
        "availability": f"{SCHEMA}/{'InStock' if seats > 0 else 'SoldOut'}",
        "validFrom": lisbon_iso(offer.sales_start),
        "url": links.checkout[offer.slug],
    }
    if price.tier_until is not None:
        data["priceValidUntil"] = lisbon_iso(price.tier_until)
    return data


def event_json_ld(
    event: Event,
    offers: Sequence[tuple[Offer, int]],
    lang: str,
    links: EventLinks,
    now: datetime,
) -> dict[str, Any]:
    """The schema.org Event of the landing in `lang`: one Offer per offer on sale at `now`,
    InStock while it has seats left (`offers` pairs each offer with them), else SoldOut."""
    content = event.content
    organizer = content.get("organizer") or {}
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": localized(content.get("title"), lang),
        "description": localized(content.get("tagline"), lang),
        "url": links.page,
        "inLanguage": "pt-PT" if lang == "pt_PT" else "en",
        "startDate": lisbon_iso(event.starts_at),
        "endDate": lisbon_iso(event.ends_at),
        "eventStatus": f"{SCHEMA}/EventScheduled",
        "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
        "location": _place(content.get("venue") or {}),
        "image": list(links.images),
        "organizer": {
            "@type": "Organization",
            "name": organizer.get("name") or localized(content.get("title"), lang),
            "url": organizer.get("url") or links.home,
        },
        "offers": [
            _offer(offer, seats, lang, links, now) for offer, seats in offers if offer.on_sale(now)
        ],
    }
    speakers = content.get("speakers") or []
    if speakers:
        data["performer"] = [
            {"@type": "Person", "name": speaker["name"]}
            for speaker in speakers
            if speaker.get("name")
        ]
    return data


def script_json(data: dict[str, Any]) -> str:
    """`data` as JSON safe to place between <script> tags: no <, > or & left as such."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in SCRIPT_UNSAFE.items():
        text = text.replace(char, escaped)
    return text
