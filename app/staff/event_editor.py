"""The event editor's work: drafts of the whole event, the checks that protect sold
orders, publishing a draft live (the same code path as `flask catalog sync`), reverting
to an older version, and the preview's stand-in event.

Every draft passes the data file's own rules (`catalog.services.validate_event`) before
it is stored, and again before it goes live: seats keep being sold in between.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.audit.log import Actor, record
from app.catalog.export import event_as_data
from app.catalog.models import Event, EventRevision, Offer
from app.catalog.services import CatalogError, apply_event, current_event, validate_event
from app.extensions import db
from app.orders.holds import seats_taken
from app.orders.models import Order
from app.timeutil import utcnow

# The note of the version kept of the event as the data file had made it live.
BEFORE_THE_EDITOR = "before the editor"


def newest_revision() -> EventRevision | None:
    return db.session.scalar(select(EventRevision).order_by(EventRevision.id.desc()).limit(1))


def working_copy() -> tuple[dict[str, Any], EventRevision | None]:
    """What the editor opens: the newest draft not yet published, else the live event."""
    newest = newest_revision()
    if newest is not None and newest.published_at is None:
        return newest.content, newest
    event = current_event()
    if event is None:
        raise CatalogError("there is no event yet: load the data file with flask catalog sync")
    return event_as_data(event), None


def live_revision_id() -> int | None:
    """The revision published last (what the site shows, unless the file was synced since)."""
    return db.session.scalar(
        select(EventRevision.id)
        .where(EventRevision.published_at.is_not(None))
        .order_by(EventRevision.published_at.desc(), EventRevision.id.desc())
        .limit(1)
    )


def history() -> list[EventRevision]:
    """Drafts first, then each version that went live, the latest first."""
    return list(
        db.session.scalars(
            select(EventRevision).order_by(
                EventRevision.published_at.is_(None).desc(),
                EventRevision.published_at.desc(),
                EventRevision.id.desc(),
            )
        )
    )


def _live_offers() -> dict[str, Offer]:
    return {offer.slug: offer for offer in db.session.scalars(select(Offer))}


def _has_orders(offer: Offer) -> bool:
    count = db.session.scalar(select(func.count(Order.id)).where(Order.offer_id == offer.id))
    return bool(count)


def slugs_with_orders() -> set[str]:
    """The offers whose slug the editor shows read-only: they have orders."""
    return set(
        db.session.scalars(select(Offer.slug).join(Order, Order.offer_id == Offer.id).distinct())
    )


def check_sold_orders(content: dict[str, Any], origins: list[str] | None = None) -> None:
    """Refuse what would break orders already made: fewer seats than are sold or held,
    or a new slug for an offer that has orders (its orders would stay on a retired offer
    while the renamed one sold its seats again). A price change is allowed: each order
    keeps the amount it was placed for."""
    live = _live_offers()
    for index, item in enumerate(content.get("offers") or []):
        field = f"offers.{index}"
        slug = str(item.get("slug") or "")
        was = (origins or [])[index] if origins and index < len(origins) else ""
        if was and was != slug and was in live and _has_orders(live[was]):
            raise CatalogError(
                f"offer #{index + 1}: slug '{was}' cannot change, it has orders",
                field=f"{field}.slug",
                reason="slug_locked",
            )
        offer = live.get(slug)
        capacity = item.get("capacity")
        if offer is None or not isinstance(capacity, int):
            continue
        taken = seats_taken(offer.id)
        if capacity < taken:
            raise CatalogError(
                f"offer #{index + 1}: capacity {capacity} is below the {taken} seats sold or held",
                field=f"{field}.capacity",
                reason="below_sold",
                count=taken,
            )


def save_draft(
    content: dict[str, Any], origins: list[str], author: Actor, note: str = ""
) -> EventRevision:
    """Check `content` (data file shape) as the file is checked, and keep it as a draft.
    Nothing live changes."""
    validate_event(content)
    check_sold_orders(content, origins)
    revision = EventRevision(
        content=content, author_staff_id=author.staff_id, note=note[:200], created_at=utcnow()
    )
    db.session.add(revision)
    db.session.commit()
    return revision


def _keep_the_event_as_it_was(now: datetime) -> None:
    """Before the editor's first publish, keep the live event (loaded from the data file)
    as a version of its own, so "revert" can undo that first publish too."""
    event = current_event()
    if event is None:
        return
    db.session.add(
        EventRevision(
            content=event_as_data(event),
            author_staff_id=None,
            note=BEFORE_THE_EDITOR,
            created_at=now,
            # Live until the publish that replaces it, a moment later: the history and
            # the "live" flag order versions by when they went live.
            published_at=now - timedelta(milliseconds=1),
        )
    )


def _go_live(revision: EventRevision, author: Actor, action: str) -> None:
    data = validate_event(revision.content)
    check_sold_orders(revision.content)
    before = live_revision_id()
    if before is None:
        _keep_the_event_as_it_was(utcnow())
    result = apply_event(data)
    revision.published_at = utcnow()
    record(
        author,
        action,
        before={"revision": before},
        after={
            "revision": revision.id,
            "offers_created": result.offers_created,
            "offers_retired": result.offers_retired,
        },
    )
    db.session.commit()


def publish(revision: EventRevision, author: Actor) -> None:
    """Put a draft live now, through the same path as the data file; audited."""
    if revision.published_at is not None:
        raise CatalogError("this version was already published", reason="already_published")
    _go_live(revision, author, "event.publish")


def revert(revision: EventRevision, author: Actor) -> EventRevision:
    """Publish an older version's content again, as a new version (the history keeps
    going forward), after the same checks."""
    again = EventRevision(
        content=revision.content,
        author_staff_id=author.staff_id,
        note=f"revert to #{revision.id}",
        created_at=utcnow(),
    )
    db.session.add(again)
    db.session.flush()
    try:
        _go_live(again, author, "event.revert")
    except CatalogError:
        db.session.rollback()
        raise
    return again


def preview_of(content: dict[str, Any]) -> tuple[Event, list[tuple[Offer, int]]]:
    """A stand-in event and its offers with seats left, built from `content` and never
    added to the database: the landing template renders them as it renders the live
    event."""
    data = validate_event(content)
    values = data["event"]
    event = Event(
        slug=values["slug"],
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        content=values["content"],
    )
    live = _live_offers()
    offers = []
    for offer_values in data["offers"]:
        offer = Offer(currency="EUR", active=True, **offer_values)
        sold = seats_taken(live[offer.slug].id) if offer.slug in live else 0
        offers.append((offer, max(0, offer.capacity - sold)))
    return event, offers
