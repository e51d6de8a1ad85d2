"""The rules an event's data must keep, wherever it comes from: the data file or the
back office's editor. Each refusal names the field (as a dotted path, the editor's input
name) and a reason code, so the editor can say it in the team's language while the
command line keeps its English sentence."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from app.catalog.tiers import stored_tiers
from app.money import decimal_to_cents
from app.web.i18n import date_locale

LOCALES = ("pt_PT", "en")
VARIANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,15}$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class CatalogError(ValueError):
    """The event's data is not usable; the message says where and why.

    `field` is the dotted path of the value at fault (``offers.1.price``) and `reason` a
    short code (``missing``, ``both_languages``...) for pages that word it themselves.
    """

    def __init__(
        self, message: str, *, field: str = "", reason: str = "invalid", count: int = 0
    ) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        # A number the reason speaks of (seats already sold), for the page's sentence.
        self.count = count


def require(data: dict[str, Any], key: str, where: str, field: str = "") -> Any:
    if key not in data or data[key] in (None, ""):
        raise CatalogError(f"{where}: '{key}' is missing", field=field or key, reason="missing")
    return data[key]


def localized_text(value: Any, where: str, field: str = "") -> dict[str, str]:
    """Text a visitor reads, in both languages; the field named is the empty language."""
    value = value if isinstance(value, dict) else {}
    for loc in LOCALES:
        if not str(value.get(loc) or "").strip():
            raise CatalogError(
                f"{where}: needs text for both pt_PT and en",
                field=f"{field}.{loc}" if field else loc,
                reason="both_languages",
            )
    return {loc: str(value[loc]) for loc in LOCALES}


def local_time(value: Any, tz: ZoneInfo, where: str, field: str = "") -> datetime:
    try:
        naive = datetime.strptime(str(value), "%Y-%m-%d %H:%M")
    except ValueError as exc:
        raise CatalogError(
            f"{where}: '{value}' is not a date like 2027-03-13 09:30",
            field=field,
            reason="not_a_date",
        ) from exc
    return naive.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))


def date_label_names_the_start(raw: Any, starts: datetime) -> None:
    """The date people read (date_label, free text such as "sábado, 13 de março de 2027")
    must name the day the event starts (its day, month and year), in each language.

    The calendar invite, the JSON-LD and the tickets' times come from starts_at, the
    pages and emails from date_label: a start moved in the editor with the label left as
    it was sent buyers to one day on the page and another in their calendar."""
    if raw is None:
        return
    texts = localized_text(raw, "event date_label", "date_label")
    for loc, text in texts.items():
        words = text.casefold()
        month = format_date(starts, "MMMM", locale=date_locale(loc)).casefold()
        day = re.search(rf"(?<!\d){starts.day}(?!\d)", words)
        if not (day and month in words and str(starts.year) in words):
            raise CatalogError(
                f"event date_label ({loc}): {text!r} does not name the start, {starts:%Y-%m-%d}",
                field=f"date_label.{loc}",
                reason="date_label",
            )


def headline_variants(raw: Any) -> None:
    """Check the landing A/B headlines: ids short and unique, text in both languages."""
    if raw is None:
        return
    if not isinstance(raw, list) or not raw:
        raise CatalogError(
            "headline_variants: must be a list of variants",
            field="headline_variants",
            reason="list",
        )
    seen: set[str] = set()
    for index, variant in enumerate(raw, start=1):
        where = f"headline variant #{index}"
        field = f"headline_variants.{index - 1}"
        if not isinstance(variant, dict):
            raise CatalogError(f"{where}: needs an id and text for both pt_PT and en", field=field)
        variant_id = str(variant.get("id", ""))
        if not VARIANT_ID.match(variant_id):
            raise CatalogError(
                f"{where}: id must be short lowercase letters or digits, like b",
                field=f"{field}.id",
                reason="variant_id",
            )
        if variant_id in seen:
            raise CatalogError(
                f"{where}: id '{variant_id}' appears twice", field=f"{field}.id", reason="twice"
            )
        seen.add(variant_id)
        localized_text({key: variant.get(key) for key in LOCALES}, where, field)


# The landing page's lists: what each entry must hold. Plain keys need a value;
# localized ones need both languages. `time` must read like 09:30.
LIST_RULES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "agenda": ("agenda item", ("time",), ("title",)),
    "speakers": ("speaker", ("name",), ("role",)),
    "testimonials": ("testimonial", ("name",), ("quote",)),
    "faq": ("question", (), ("question", "answer")),
}


def content_lists(raw: dict[str, Any]) -> None:
    """Check the agenda, speakers, testimonials and FAQ entries the landing page lists."""
    for key, (noun, plain, texts) in LIST_RULES.items():
        items = raw.get(key)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise CatalogError(f"{key}: must be a list of entries", field=key, reason="list")
        for index, item in enumerate(items, start=1):
            where, field = f"{noun} #{index}", f"{key}.{index - 1}"
            for name in plain:
                require(item, name, where, f"{field}.{name}")
            if "time" in plain and not CLOCK.match(str(item["time"])):
                raise CatalogError(
                    f"{where}: time '{item['time']}' is not a time like 09:30",
                    field=f"{field}.time",
                    reason="not_a_time",
                )
            for name in texts:
                localized_text(item.get(name), f"{where} {name}", f"{field}.{name}")


def price_tiers(raw: Any, regular_cents: int, tz: ZoneInfo, where: str, field: str) -> list:
    """Check an offer's early-bird tiers ({until, price} each, in the file's local time
    and euros): each cheaper than the offer's price, their ends in order, none twice.
    Returns them as the offer keeps them (catalog/tiers.py), or [] when there are none."""
    if raw in (None, "", []):
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise CatalogError(f"{where}: price_tiers must be a list", field=field, reason="list")
    pairs: list[tuple[datetime, int]] = []
    for index, item in enumerate(raw):
        at = f"{field}.{index}"
        until = local_time(require(item, "until", where, f"{at}.until"), tz, where, f"{at}.until")
        cents = _tier_cents(require(item, "price", where, f"{at}.price"))
        if cents is None or not 0 < cents < regular_cents:
            raise CatalogError(
                f"{where}: an early-bird price must be above zero and below the offer's price",
                field=f"{at}.price",
                reason="tier_price",
            )
        if pairs and until <= pairs[-1][0]:
            raise CatalogError(
                f"{where}: early-bird tiers must end one after the other",
                field=f"{at}.until",
                reason="tier_order",
            )
        pairs.append((until, cents))
    return stored_tiers(pairs)


def _tier_cents(value: Any) -> int | None:
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        return None
    if not price.is_finite():
        return None
    return decimal_to_cents(price)
