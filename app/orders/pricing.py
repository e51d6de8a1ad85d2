"""What an order costs: the price of a seat on the day (an early-bird tier or the offer's
price), times the seats bought, less a discount code's share.

One place for the sum, so the order, the payment, the invoice and the dataLayer can never
disagree about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.catalog.discounts import DiscountCode
from app.catalog.models import Offer
from app.money import vat_included


@dataclass(frozen=True)
class OrderPrice:
    # The price of one seat charged before any code: the tier of the day or the offer's.
    unit_cents: int
    quantity: int
    total_cents: int
    vat_cents: int
    # The same as unit_cents, named for what receipts call it (the list price of a seat).
    list_unit_cents: int = 0
    # The offer's own price while an early-bird tier runs (for the struck-through price).
    regular_unit_cents: int = 0
    discount_cents: int = 0
    # The discount code applied, in capitals; None without one.
    coupon: str | None = None
    tier_until: datetime | None = None

    @property
    def gross_cents(self) -> int:
        """The seats at the day's price, before the code."""
        return self.total_cents + self.discount_cents


def price_of(
    offer: Offer,
    quantity: int,
    code: DiscountCode | None = None,
    now: datetime | None = None,
) -> OrderPrice:
    """The VAT-inclusive total for `quantity` seats of `offer` at `now` (default: this
    moment) with `code` applied (already checked to be good for it), and the VAT in it."""
    today = offer.price_now(now)
    gross = today.unit_cents * quantity
    discount = code.discount_on(today.unit_cents, quantity) if code is not None else 0
    total = gross - discount
    return OrderPrice(
        unit_cents=today.unit_cents,
        quantity=quantity,
        total_cents=total,
        vat_cents=vat_included(total, offer.vat_rate),
        list_unit_cents=today.unit_cents,
        regular_unit_cents=today.regular_cents,
        discount_cents=discount,
        coupon=code.code if code is not None and discount else None,
        tier_until=today.tier_until,
    )


@dataclass(frozen=True)
class Line:
    """An amount written as seats × unit price, for receipts, invoices and analytics."""

    quantity: int
    unit_cents: int


def line_of(total_cents: int, quantity: int) -> Line:
    """`total_cents` as `quantity` equal units when it divides evenly (what price_of makes),
    else as one unit of the whole: a provider or an invoice must add up to the exact total,
    never to a rounded unit price times the seats."""
    if quantity > 1 and total_cents % quantity == 0:
        return Line(quantity=quantity, unit_cents=total_cents // quantity)
    return Line(quantity=1, unit_cents=total_cents)
