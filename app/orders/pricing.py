"""What an order costs: the offer's price for each seat, times the seats bought.

One place for the sum, so the order, the payment, the invoice and the dataLayer can never
disagree about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog.models import Offer
from app.money import vat_included


@dataclass(frozen=True)
class OrderPrice:
    unit_cents: int
    quantity: int
    total_cents: int
    vat_cents: int


def price_of(offer: Offer, quantity: int) -> OrderPrice:
    """The VAT-inclusive total for `quantity` seats of `offer`, and the VAT it contains."""
    total = offer.price_cents * quantity
    return OrderPrice(
        unit_cents=offer.price_cents,
        quantity=quantity,
        total_cents=total,
        vat_cents=vat_included(total, offer.vat_rate),
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
