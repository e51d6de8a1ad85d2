"""Discount codes marketing hands out: a percentage or an amount off each seat, for some
offers or all, inside a window of dates, up to a number of uses.

The code is kept in capitals: people type "cafe10" or "CAFE10" and mean one code. How
many times it was used is not a counter here: it is read from the orders that carry it
(orders/coupons.py), so an unpaid order that expires gives its use back by itself.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, as_utc, utcnow

PERCENT = "percent"
AMOUNT = "amount"
KINDS = (PERCENT, AMOUNT)
# Letters, digits, dashes and underscores: what fits on a flyer and in a URL.
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
# A card payment is at least 0,50 €: no code brings an order below it.
LEAST_TOTAL_CENTS = 50


def normalize_code(text: str | None) -> str:
    """The code as kept: capitals, without the spaces people type around it."""
    return (text or "").strip().upper()


class DiscountCode(db.Model):
    __tablename__ = "discount_codes"
    __table_args__ = (
        CheckConstraint("kind IN ('percent', 'amount')", name="ck_discount_codes_kind"),
        CheckConstraint("value > 0", name="ck_discount_codes_value_positive"),
        CheckConstraint(
            "max_uses IS NULL OR max_uses >= 1", name="ck_discount_codes_max_uses_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    # A percentage (1..100) or EUR cents off each seat, as `kind` says.
    value: Mapped[int] = mapped_column(Integer)
    # Offer ids it is good for; None means every offer.
    offer_ids: Mapped[list[int] | None] = mapped_column(JSON)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # None: as many uses as there are seats.
    max_uses: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def covers(self, offer_id: int) -> bool:
        return self.offer_ids is None or offer_id in self.offer_ids

    def window_state(self, now: datetime) -> str:
        """ "early" before its first day, "over" after its last, "open" between."""
        if self.valid_from is not None and now < as_utc(self.valid_from):
            return "early"
        if self.valid_until is not None and now >= as_utc(self.valid_until):
            return "over"
        return "open"

    def discount_on(self, unit_cents: int, quantity: int) -> int:
        """Cents off an order of `quantity` seats at `unit_cents` each (never leaving it
        below what a card can charge)."""
        gross = unit_cents * quantity
        if self.kind == PERCENT:
            off = int(
                (Decimal(gross) * self.value / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            )
        else:
            off = min(self.value, unit_cents) * quantity
        return max(0, min(off, gross - LEAST_TOTAL_CENTS))

    def audit_view(self) -> dict[str, Any]:
        """What the audit log keeps of it before and after a change."""
        return {
            "code": self.code,
            "kind": self.kind,
            "value": self.value,
            "offer_ids": self.offer_ids,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "max_uses": self.max_uses,
            "active": self.active,
        }
