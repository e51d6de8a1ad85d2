"""The checkout's promotional code: what the form's total is with the code typed, and
whether that code is good, before any order is placed.

Applying a code only reads (the "Apply" button re-renders the form with the new total);
the use is taken when the order is placed, under the code's lock (orders/placing.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.catalog.models import Offer
from app.orders.coupons import CodeRefused, usable_code
from app.orders.pricing import OrderPrice, price_of

# The button that applies the code without placing the order (its name in the form).
APPLY_BUTTON = "apply_promo"


@dataclass(frozen=True)
class Quote:
    """The price the form shows, and why a typed code was not applied (None if it was)."""

    price: OrderPrice
    promo_error: str | None = None


def quote(offer: Offer, promo_text: str | None, quantity: int = 1) -> Quote:
    """The price of `quantity` seats of `offer` now, with the typed code if it is good."""
    try:
        code = usable_code(promo_text, offer)
    except CodeRefused as refused:
        return Quote(price=price_of(offer, quantity), promo_error=refused.code)
    return Quote(price=price_of(offer, quantity, code))


def is_promo_refusal(code: str) -> bool:
    """Whether a refusal of the order is about the code (shown at its field)."""
    return code.startswith("promo_")
