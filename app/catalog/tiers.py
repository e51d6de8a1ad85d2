"""Price tiers: an offer sold cheaper until a date (early bird), then at its price.

An offer keeps its tiers as a list of {"until": ISO UTC time, "price_cents": int}, the
earliest first. The price of a moment is the first tier whose end is still ahead, or the
offer's own price once every tier has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class PriceNow:
    """What a seat costs at a moment: `unit_cents`, and while a tier runs, the offer's
    regular price and when the tier ends (for "97 € instead of 147 €, until ...")."""

    unit_cents: int
    regular_cents: int
    tier_until: datetime | None = None

    @property
    def reduced(self) -> bool:
        return self.tier_until is not None


def tier_list(raw: Any) -> list[tuple[datetime, int]]:
    """The stored tiers as (end, price) pairs, earliest first."""
    pairs = [
        (as_utc(datetime.fromisoformat(str(item["until"]))), int(item["price_cents"]))
        for item in raw or []
    ]
    return sorted(pairs)


def stored_tiers(pairs: list[tuple[datetime, int]]) -> list[dict[str, Any]]:
    """(end, price) pairs in the shape the offer's JSON column keeps."""
    return [
        {"until": as_utc(until).isoformat(), "price_cents": cents} for until, cents in sorted(pairs)
    ]


def price_at(regular_cents: int, raw_tiers: Any, now: datetime | None = None) -> PriceNow:
    """The price of a seat at `now` (default: this moment)."""
    now = now or utcnow()
    for until, cents in tier_list(raw_tiers):
        if now < until:
            return PriceNow(unit_cents=cents, regular_cents=regular_cents, tier_until=until)
    return PriceNow(unit_cents=regular_cents, regular_cents=regular_cents)
