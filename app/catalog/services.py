"""Check an event's data and keep the database in step with it: from the data file
(`flask catalog sync`) or from the back office's editor, through the same two calls,
`validate_event` and `apply_event`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import select

from app.catalog.models import MAX_PER_ORDER, Event, EventRevision, Offer
from app.catalog.privacy import PrivacySectionError, parse_privacy
from app.catalog.rules import (
    LOCALES,
    CatalogError,
    content_lists,
    date_label_names_the_start,
    headline_variants,
    local_time,
    localized_text,
    price_tiers,
    require,
)
from app.extensions import db
from app.money import decimal_to_cents
from app.timeutil import utcnow

__all__ = ["LOCALES", "CatalogError", "SyncResult", "apply_event", "validate_event"]

CONTENT_KEYS = (
    "title",
    "tagline",
    "headline",
    "headline_variants",
    "date_label",
    "venue",
    "community_url",
    "benefits",
    "agenda",
    "speakers",
    "testimonials",
    "faq",
    "organizer",
    "terms",
)


@dataclass(frozen=True)
class SyncResult:
    event_slug: str
    offers_created: int
    offers_updated: int
    offers_retired: int
    # True when the file was not loaded because the back office publishes the event.
    skipped: bool = False


def _price_and_rate(item: dict[str, Any], where: str, field: str) -> tuple[Decimal, Decimal]:
    """The VAT-inclusive price (above zero) and the VAT rate (from 0 to below 1)."""
    require(item, "price", where, f"{field}.price")
    require(item, "vat_rate", where, f"{field}.vat_rate")
    try:
        price = Decimal(str(item["price"]))
        vat_rate = Decimal(str(item["vat_rate"]))
    except InvalidOperation as exc:
        raise CatalogError(
            f"{where}: price and vat_rate must be numbers", field=f"{field}.price", reason="price"
        ) from exc
    message = f"{where}: price must be positive and vat_rate between 0 and 1"
    if not price.is_finite() or price <= 0:
        raise CatalogError(message, field=f"{field}.price", reason="price")
    if not vat_rate.is_finite() or not (Decimal(0) <= vat_rate < 1):
        raise CatalogError(message, field=f"{field}.vat_rate", reason="vat_rate")
    return price, vat_rate


def _max_per_order(item: dict[str, Any], where: str, field: str) -> int:
    """Seats one order may take: 1 to MAX_PER_ORDER, MAX_PER_ORDER when the file is silent."""
    value = item.get("max_per_order", MAX_PER_ORDER)
    if value in (None, ""):
        return MAX_PER_ORDER
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PER_ORDER:
        raise CatalogError(
            f"{where}: max_per_order must be a whole number from 1 to {MAX_PER_ORDER}",
            field=f"{field}.max_per_order",
            reason="max_per_order",
        )
    return value


def _offer(item: dict[str, Any], index: int, tz: ZoneInfo) -> dict[str, Any]:
    """One checked offer, as the database keeps it."""
    where, field = f"offer #{index}", f"offers.{index - 1}"
    slug = str(require(item, "slug", where, f"{field}.slug"))
    price, vat_rate = _price_and_rate(item, where, field)
    capacity = item.get("capacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0:
        raise CatalogError(
            f"{where}: capacity must be a whole number of seats",
            field=f"{field}.capacity",
            reason="capacity",
        )
    name = localized_text(
        require(item, "name", where, f"{field}.name"), f"{where} name", f"{field}.name"
    )
    max_per_order = _max_per_order(item, where, field)
    window = [
        local_time(require(item, key, where, f"{field}.{key}"), tz, where, f"{field}.{key}")
        for key in ("sales_start", "sales_end")
    ]
    if window[1] <= window[0]:
        raise CatalogError(
            f"{where}: sales_end must be after sales_start",
            field=f"{field}.sales_end",
            reason="end_before_start",
        )
    price_cents = decimal_to_cents(price)
    return {
        "slug": slug,
        "name": name,
        "description": item.get("description") or {},
        "price_cents": price_cents,
        "price_tiers": price_tiers(
            item.get("price_tiers"), price_cents, tz, where, f"{field}.price_tiers"
        ),
        "vat_rate": vat_rate,
        "capacity": capacity,
        "max_per_order": max_per_order,
        "sales_start": window[0],
        "sales_end": window[1],
        "position": index,
    }


def validate_event(raw: Any) -> dict[str, Any]:
    """Check an event in the data file's shape (a mapping as YAML reads it); return plain
    values ready for the database. The one set of rules for the file and the editor."""
    if not isinstance(raw, dict):
        raise CatalogError("event data file must be a mapping of keys to values")
    try:
        tz = ZoneInfo(str(raw.get("timezone", "Europe/Lisbon")))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise CatalogError(f"unknown timezone {raw.get('timezone')!r}", field="timezone") from exc

    event = {
        "slug": str(require(raw, "slug", "event")),
        "starts_at": local_time(
            require(raw, "starts_at", "event"), tz, "event starts_at", "starts_at"
        ),
        "ends_at": local_time(require(raw, "ends_at", "event"), tz, "event ends_at", "ends_at"),
        "content": {key: raw.get(key) for key in CONTENT_KEYS if key in raw},
    }
    localized_text(require(raw, "title", "event"), "event title", "title")
    if event["ends_at"] <= event["starts_at"]:
        raise CatalogError(
            "event: ends_at must be after starts_at", field="ends_at", reason="end_before_start"
        )
    date_label_names_the_start(raw.get("date_label"), event["starts_at"].astimezone(tz))
    headline_variants(raw.get("headline_variants"))
    content_lists(raw)
    try:
        # The policy pages read it from the event, checked and with dates as text.
        event["content"]["privacy"] = parse_privacy(raw.get("privacy"))
    except PrivacySectionError as exc:
        raise CatalogError(str(exc), field="privacy") from exc

    offers_raw = require(raw, "offers", "event")
    if not isinstance(offers_raw, list) or not all(isinstance(o, dict) for o in offers_raw):
        raise CatalogError("offers: must be a list of offers", field="offers", reason="list")
    offers = []
    seen: set[str] = set()
    for index, item in enumerate(offers_raw, start=1):
        offer = _offer(item, index, tz)
        if offer["slug"] in seen:
            raise CatalogError(
                f"offer #{index}: slug '{offer['slug']}' appears twice",
                field=f"offers.{index - 1}.slug",
                reason="twice",
            )
        seen.add(offer["slug"])
        offers.append(offer)
    return {"event": event, "offers": offers}


def read_event_file(path: Path) -> dict[str, Any]:
    """The data file as YAML reads it, not yet checked."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogError(f"event data file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"event data file is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError("event data file must be a mapping of keys to values")
    return raw


def parse_event_file(path: Path) -> dict[str, Any]:
    """Read and check the data file; return plain values ready for the database."""
    return validate_event(read_event_file(path))


def apply_event(data: dict[str, Any]) -> SyncResult:
    """Upsert the checked event and its offers; retire offers it no longer lists.
    The caller commits (the editor's publish commits it with its audit entry)."""
    values = data["event"]
    event = db.session.scalar(select(Event).where(Event.slug == values["slug"]))
    if event is None:
        event = Event(slug=values["slug"])
        db.session.add(event)
    event.starts_at = values["starts_at"]
    event.ends_at = values["ends_at"]
    event.content = values["content"]
    event.updated_at = utcnow()
    db.session.flush()

    created = updated = 0
    listed = set()
    for offer_values in data["offers"]:
        listed.add(offer_values["slug"])
        offer = db.session.scalar(select(Offer).where(Offer.slug == offer_values["slug"]))
        if offer is None:
            offer = Offer(event_id=event.id, **offer_values)
            db.session.add(offer)
            created += 1
        else:
            # A price change reaches new orders only: an order keeps its own amount.
            for key, value in offer_values.items():
                setattr(offer, key, value)
            offer.event_id = event.id
            updated += 1
        offer.active = True

    retired = 0
    # Offers that left the data stay in the database (orders point at them) but
    # stop being sold.
    for offer in db.session.scalars(select(Offer).where(Offer.event_id == event.id)):
        if offer.slug not in listed and offer.active:
            offer.active = False
            retired += 1
    db.session.flush()
    return SyncResult(event.slug, created, updated, retired)


def edited_in_back_office() -> bool:
    """Whether the back office has published the event (the database is then the truth)."""
    return (
        db.session.scalar(
            select(EventRevision.id).where(EventRevision.published_at.is_not(None)).limit(1)
        )
        is not None
    )


def sync_catalog(path: Path, *, force: bool = False) -> SyncResult:
    """Load the data file into the database, unless the back office publishes the event
    now: a deploy's release step must not undo marketing's edits (`force` does)."""
    data = parse_event_file(path)
    if not force and edited_in_back_office():
        return SyncResult(data["event"]["slug"], 0, 0, 0, skipped=True)
    result = apply_event(data)
    db.session.commit()
    return result


def current_event() -> Event | None:
    """The event the shop is selling (the one starting soonest among those not over)."""
    now = utcnow()
    event = db.session.scalar(
        select(Event).where(Event.ends_at >= now).order_by(Event.starts_at).limit(1)
    )
    if event is None:
        event = db.session.scalar(select(Event).order_by(Event.starts_at.desc()).limit(1))
    return event


def offer_by_slug(slug: str) -> Offer | None:
    """An active offer by its slug."""
    return db.session.scalar(select(Offer).where(Offer.slug == slug, Offer.active.is_(True)))
