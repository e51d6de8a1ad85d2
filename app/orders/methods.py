"""The ways a buyer can pay; which ones a provider takes is the provider's to say."""

from __future__ import annotations

from enum import StrEnum


class PaymentMethod(StrEnum):
    CARD = "card"
    MB_WAY = "mb_way"
    MULTIBANCO = "multibanco"
    # Pay in 3 with Klarna: the shop is paid in full, the buyer pays Klarna in 3 parts.
    KLARNA = "klarna"


# How many parts the buyer pays in (1 for every other method).
INSTALMENTS = {PaymentMethod.KLARNA: 3}
# The amounts Klarna's "pay in 3" takes in Portugal, in cents (35 € to 4 000 €).
KLARNA_LIMITS = (3_500, 400_000)


def instalments(method: str) -> int:
    return INSTALMENTS.get(PaymentMethod(method), 1) if method in set(PaymentMethod) else 1


def fits(method: str, amount_cents: int) -> bool:
    """Whether the method can take this amount (only Klarna has limits)."""
    if method != PaymentMethod.KLARNA:
        return True
    low, high = KLARNA_LIMITS
    return low <= amount_cents <= high
