"""Load the event data file and keep the database in step with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import select

from app.catalog.models import Event, Offer
from app.catalog.privacy import PrivacySectionError, parse_privacy
from app.extensions import db
from app.money import decimal_to_cents
from app.timeutil import utcnow

LOCALES = ("pt_PT", "en")
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


class CatalogError(ValueError):
    """The event data file is not usable; the message says where and why."""


@dataclass(frozen=True)
class SyncResult:
    event_slug: str
    offers_created: int
    offers_updated: int
    offers_retired: int


def _require(data: dict[str, Any], key: str, where: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise CatalogError(f"{where}: '{key}' is missing")
    return data[key]


def _localized_text(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or any(not value.get(loc) for loc in LOCALES):
        raise CatalogError(f"{where}: needs text for both pt_PT and en")
    return {loc: str(value[loc]) for loc in LOCALES}


def _local_time(value: Any, tz: ZoneInfo, where: str) -> datetime:
    try:
        naive = datetime.strptime(str(value), "%Y-%m-%d %H:%M")
    except ValueError as exc:
        raise CatalogError(f"{where}: '{value}' is not a date like 2027-03-13 09:30") from exc
    return naive.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))


VARIANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,15}$")


def _headline_variants(raw: Any) -> None:
    """Check the landing A/B headlines: ids short and unique, text in both languages."""
    if raw is None:
        return
    if not isinstance(raw, list) or not raw:
        raise CatalogError("headline_variants: must be a list of variants")
    seen: set[str] = set()
    for index, variant in enumerate(raw, start=1):
        where = f"headline variant #{index}"
        if not isinstance(variant, dict):
            raise CatalogError(f"{where}: needs an id and text for both pt_PT and en")
        variant_id = str(variant.get("id", ""))
        if not VARIANT_ID.match(variant_id):
            raise CatalogError(f"{where}: id must be short lowercase letters or digits, like b")
        if variant_id in seen:
            raise CatalogError(f"{where}: id '{variant_id}' appears twice")
        seen.add(variant_id)
        _localized_text({key: variant.get(key) for key in LOCALES}, where)


def _offer(item: dict[str, Any], index: int, tz: ZoneInfo) -> dict[str, Any]:
    """One checked offer of the data file, as the database keeps it."""
    where = f"offer #{index}"
    slug = str(_require(item, "slug", where))
    try:
        price = Decimal(str(_require(item, "price", where)))
        vat_rate = Decimal(str(_require(item, "vat_rate", where)))
    except InvalidOperation as exc:
        raise CatalogError(f"{where}: price and vat_rate must be numbers") from exc
    if price <= 0 or not (Decimal(0) <= vat_rate < 1):
        raise CatalogError(f"{where}: price must be positive and vat_rate between 0 and 1")
    capacity = item.get("capacity")
    if not isinstance(capacity, int) or capacity < 0:
        raise CatalogError(f"{where}: capacity must be a whole number of seats")
    return {
        "slug": slug,
        "name": _localized_text(_require(item, "name", where), f"{where} name"),
        "description": item.get("description") or {},
        "price_cents": decimal_to_cents(price),
        "vat_rate": vat_rate,
        "capacity": capacity,
        "sales_start": _local_time(_require(item, "sales_start", where), tz, where),
        "sales_end": _local_time(_require(item, "sales_end", where), tz, where),
        "position": index,
    }


def parse_event_file(path: Path) -> dict[str, Any]:
    """Read and check the data file; return plain values ready for the database."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CatalogError(f"event data file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"event data file is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError("event data file must be a mapping of keys to values")

    try:
        tz = ZoneInfo(str(raw.get("timezone", "Europe/Lisbon")))
    except ZoneInfoNotFoundError as exc:
        raise CatalogError(f"unknown timezone {raw.get('timezone')!r}") from exc

    event = {
        "slug": str(_require(raw, "slug", "event")),
        "starts_at": _local_time(_require(raw, "starts_at", "event"), tz, "event starts_at"),
        "ends_at": _local_time(_require(raw, "ends_at", "event"), tz, "event ends_at"),
        "content": {key: raw.get(key) for key in CONTENT_KEYS if key in raw},
    }
    _localized_text(_require(raw, "title", "event"), "event title")
    _headline_variants(raw.get("headline_variants"))
    try:
        # The policy pages read it from the event, checked and with dates as text.
        event["content"]["privacy"] = parse_privacy(raw.get("privacy"))
    except PrivacySectionError as exc:
        raise CatalogError(str(exc)) from exc
    if event["ends_at"] <= event["starts_at"]:
        raise CatalogError("event: ends_at must be after starts_at")

    offers = []
    seen: set[str] = set()
    for index, item in enumerate(_require(raw, "offers", "event"), start=1):
        offer = _offer(item, index, tz)
        if offer["slug"] in seen:
            raise CatalogError(f"offer #{index}: slug '{offer['slug']}' appears twice")
        seen.add(offer["slug"])
        offers.append(offer)
    return {"event": event, "offers": offers}


def sync_catalog(path: Path) -> SyncResult:
    """Upsert the event and its offers from the data file; retire offers it no longer lists."""
    data = parse_event_file(path)
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
            for key, value in offer_values.items():
                setattr(offer, key, value)
            offer.event_id = event.id
            updated += 1
        offer.active = True

    retired = 0
    # Offers that left the file stay in the database (orders point at them) but
    # stop being sold.
    for offer in db.session.scalars(select(Offer).where(Offer.event_id == event.id)):
        if offer.slug not in listed and offer.active:
            offer.active = False
            retired += 1
    db.session.commit()
    return SyncResult(event.slug, created, updated, retired)


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
