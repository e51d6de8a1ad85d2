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
