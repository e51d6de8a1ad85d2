"""The ways a buyer can pay; which ones a provider takes is the provider's to say."""

from __future__ import annotations

from enum import StrEnum


class PaymentMethod(StrEnum):
    CARD = "card"
    MB_WAY = "mb_way"
    MULTIBANCO = "multibanco"
