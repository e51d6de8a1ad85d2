"""Whether a discount code may be used on an order, and how many times it was.

A use is an order carrying the code that is paid or still holds its seats, counted the
way seats are (orders/holds.py): an unpaid order that expires or fails gives its use
back, and so does a refund. The code's row is locked while its uses are counted, inside
the same transaction that locks the offer and adds the order, so two buyers can never
take a code's last use (the offer is always locked first, then the code: one order of
locks, no deadlock).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from app.catalog.discounts import DiscountCode, normalize_code
from app.catalog.models import Offer
from app.extensions import db
from app.orders.holds import holding
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.timeutil import utcnow


class CodeRefused(Exception):
    """The code cannot be used here; `code` names why, for the page.

    Codes: promo_unknown (no such code, or switched off), promo_early (not valid yet),
    promo_expired, promo_other_offer, promo_used_up.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def uses_of(code_id: int, now: datetime | None = None) -> int:
    """Orders carrying the code that are paid or still holding their seats."""
    return (
        db.session.scalar(
            select(func.count(Order.id)).where(
                Order.discount_code_id == code_id,
                or_(Order.status == OrderStatus.PAID, holding(now or utcnow())),
            )
        )
        or 0
    )


def uses_by_code() -> dict[int, int]:
    """Every code's uses so far, for the back office's list."""
    rows = db.session.execute(
        select(Order.discount_code_id, func.count(Order.id))
        .where(
            Order.discount_code_id.is_not(None),
            or_(Order.status == OrderStatus.PAID, holding(utcnow())),
        )
        .group_by(Order.discount_code_id)
    )
    return {code_id: count for code_id, count in rows}


def find_code(text: str | None, *, lock: bool = False) -> DiscountCode | None:
    """The code typed (any case, spaces around it forgiven); locked for update if asked
    (inside a locking transaction)."""
    wanted = normalize_code(text)
    if not wanted:
        return None
    query = select(DiscountCode).where(DiscountCode.code == wanted)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def usable_code(text: str | None, offer: Offer, *, lock: bool = False) -> DiscountCode | None:
    """The code if it may be used on `offer` now; None when nothing was typed; CodeRefused
    when it may not. With `lock`, its uses are counted under its row lock."""
    if not normalize_code(text):
        return None
    code = find_code(text, lock=lock)
    if code is None or not code.active:
        raise CodeRefused("promo_unknown")
    now = utcnow()
    window = code.window_state(now)
    if window == "early":
        raise CodeRefused("promo_early")
    if window == "over":
        raise CodeRefused("promo_expired")
    if not code.covers(offer.id):
        raise CodeRefused("promo_other_offer")
    if code.max_uses is not None and uses_of(code.id, now) >= code.max_uses:
        raise CodeRefused("promo_used_up")
    return code
