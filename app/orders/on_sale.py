"""What the shop has on sale right now, as one fingerprint: the event, its offers, the
images and the seats taken. Kept pages (the landing, the checkout's first view) carry it
in their key, so a catalog sync, a publish from the back office, an upload or a seat
sold is served on the next read of it.

It is read at most once a second per process (PAGE_STATE_SECONDS, app/web/recent.py):
the seats a page shows may be that old; the checkout counts them again under a lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from flask import request, session

from app.analytics.experiments import headline_variants
from app.catalog.services import current_event
from app.catalog.version import catalog_version
from app.consent.current import current_consent
from app.media.pictures import images_version
from app.orders.holds import seats_left
from app.timeutil import utcnow
from app.web.recent import recent
from app.wording.live import published_version


@dataclass(frozen=True)
class OnSale:
    found: bool
    variants: list[dict[str, Any]] = field(default_factory=list)
    # The slugs of the offers a checkout may be opened for.
    offer_slugs: frozenset[str] = frozenset()
    fingerprint: str = ""


def _read() -> OnSale:
    event = current_event()
    if event is None:
        return OnSale(found=False)
    # Per offer, what changes with the clock or the orders rather than with its row:
    # whether it is on sale now, the day's price (an early-bird tier ends) and the seats
    # a visitor may buy (people waiting come first).
    active = [offer for offer in event.offers if offer.active]
    now = utcnow()
    moving = [
        (offer.id, offer.on_sale(now), offer.price_now(now), seats_left(offer)) for offer in active
    ]
    seen = (catalog_version(event), images_version(), moving)
    return OnSale(
        found=True,
        variants=headline_variants(event),
        offer_slugs=frozenset(offer.slug for offer in active),
        fingerprint=hashlib.sha256(repr(seen).encode()).hexdigest(),
    )


def on_sale() -> OnSale:
    """The event's headlines, offers and fingerprint, as read at most a second ago."""
    return recent("on_sale", _read)


# Campaign and ad-click parameters: recorded by the journey, never shown on the page.
TRACKING_PREFIXES = ("utm_", "fbclid", "gclid", "gbraid", "wbraid", "msclkid", "ttclid")
TRACKING_PREFIXES += ("dclid", "mc_cid", "mc_eid", "igshid", "_ga", "_gl")


def _shown_query() -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            (name, value)
            for name, value in request.args.items(multi=True)
            if not name.startswith(TRACKING_PREFIXES)
        )
    )


def kept_page_key(page: str, state: OnSale, lang: str, *parts: Hashable) -> Hashable | None:
    """The key of a kept page showing what is on sale (app/web/page_cache.py): the page
    and its own `parts`, language, the visitor's consent choice (banner, Consent Mode,
    GTM), what is on sale, the published wording and any query parameter that is not a
    campaign's tracking. None when the page must be rendered for this visitor alone (the
    dataLayer names a person known to the session).

    Tracking parameters are recorded by the journey (session), never shown: a post's
    unique click ids do not each make a page of their own."""
    if session.get("customer_id") is not None:
        return None
    consent = current_consent()
    return (
        page,
        lang,
        parts,
        (consent.chosen, consent.analytics, consent.marketing),
        state.fingerprint,
        published_version(),
        _shown_query(),
    )
