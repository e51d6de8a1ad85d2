"""The provider interface every payment provider (demo, Stripe) implements."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from app.checkout.models import Order


class PaymentMethod(StrEnum):
    CARD = "card"
    MB_WAY = "mb_way"
    MULTIBANCO = "multibanco"


class Outcome(StrEnum):
    """What a provider says happened to a payment."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    PENDING = "pending"


@dataclass(frozen=True)
class PaymentStart:
    """Where the buyer goes after the order is placed."""

    # A provider page (hosted card form, demo card page); None means our own order
    # page, which waits for the payment (MB WAY, Multibanco).
    redirect_url: str | None
    provider_reference: str | None


@dataclass(frozen=True)
class PaymentUpdate:
    """A verified statement from the provider about one order's payment."""

    order_id: str
    outcome: Outcome
    reason: str
    event_id: str | None = None
    amount_cents: int | None = None
    currency: str | None = None


class PaymentProviderError(Exception):
    """The provider could not start or read a payment; the order stays retryable."""


class PaymentProvider(Protocol):
    name: str
    methods: tuple[PaymentMethod, ...]
    is_demo: bool

    def start_payment(self, order: Order, *, return_url: str) -> PaymentStart:
        """Hand the order to the provider; never marks it paid."""
        ...

    def fetch_status(self, order: Order) -> PaymentUpdate | None:
        """Read the payment's state at the provider (server side), None when unknown."""
        ...

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> PaymentUpdate | None:
        """Verify and parse a webhook; raise ValueError when it is not authentic."""
        ...
