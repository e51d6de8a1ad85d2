"""The provider interface every payment provider (demo, Stripe) implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

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
class MultibancoVoucher:
    """What a buyer needs to pay at an ATM or in home banking."""

    entity: str
    reference: str
    expires_at: datetime
    hosted_url: str | None = None


@dataclass(frozen=True)
class PaymentUpdate:
    """A verified statement from the provider about one order's payment."""

    order_id: str
    outcome: Outcome
    reason: str
    amount_cents: int | None = None
    currency: str | None = None
    # The payment attempt the statement is about; None when it is about any attempt.
    attempt: int | None = None
    payment_intent_id: str | None = None
    receipt_url: str | None = None


@dataclass(frozen=True)
class PaymentStart:
    """Where the buyer goes after the order is placed, and what the provider made."""

    # A provider page (hosted card form, demo card page); None means our own order
    # page, which waits for the payment (MB WAY, Multibanco).
    redirect_url: str | None
    provider_reference: str | None
    payment_intent_id: str | None = None
    # A page at the provider the buyer can go back to (Checkout, hosted voucher).
    payment_url: str | None = None
    multibanco: MultibancoVoucher | None = None
    # The provider already answered (an MB WAY number refused at once, say).
    update: PaymentUpdate | None = None


@dataclass(frozen=True)
class ProviderEvent:
    """A webhook event whose signature was verified."""

    id: str
    type: str
    data: dict[str, Any] = field(default_factory=dict)


class PaymentProviderError(Exception):
    """The provider could not do what was asked; the order stays retryable.

    `code` is what the buyer is told: `provider_unavailable` (network, outage,
    configuration) or `payment_refused` (the provider refused these details).
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


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

    def cancel_payment(self, order: Order) -> PaymentUpdate | None:
        """Close the open payment at the provider; returns what it ended as (paid, if too late)."""
        ...

    def refund(self, order: Order, amount_cents: int | None) -> str:
        """Ask the provider to refund (all when amount is None); returns its reference."""
        ...

    def receipt_url(self, order: Order) -> str | None:
        """The provider's hosted receipt for a paid order, if it has one."""
        ...

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> ProviderEvent:
        """Verify and parse a webhook; raise ValueError when it is not authentic."""
        ...
