"""The contract every payment provider keeps, and the plain values it answers with.

A provider lives in its own folder (`payments/<name>/`) and is one line of the registry
(`payments/registry.py`). Nothing outside its folder compares provider names: code asks
the provider what it can do (the capabilities below) and calls the hooks, each of which
says what it guarantees. Adding a provider is docs/architecture.md's recipe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from flask import Blueprint

from app.orders.methods import PaymentMethod
from app.orders.models import Order


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
    """What the shop asks of a payment provider.

    Capabilities (class attributes, readable without building the provider):
    - `methods`: the payment methods it takes, in the checkout form's order;
    - `takes_real_money`: False for a provider that only plays payments (the demo);
    - `sends_webhooks`: True when it reports outcomes by webhook; without them a refund
      is recorded as soon as the provider accepts it;
    - `reads_status`: True when `fetch_status` can read a payment at the provider, so
      reconciliation asks it about payments whose webhook is late;
    - `has_receipts`: True when `receipt_url` can give a hosted receipt;
    - `checkout_hosts`: the outside origins our checkout form may lead to (for the CSP);
    - `withdraws_payments`: True when `cancel_payment` can stop an open payment from
      being paid (a gateway that cannot leaves it payable: the buyer is warned);
    - `blueprint`: its own pages and endpoints (a webhook, simulated payment pages).
    """

    name: str
    methods: tuple[PaymentMethod, ...]
    takes_real_money: bool
    sends_webhooks: bool
    reads_status: bool
    has_receipts: bool
    checkout_hosts: tuple[str, ...]
    withdraws_payments: bool
    blueprint: Blueprint

    @classmethod
    def methods_configured(cls, config: Mapping[str, Any]) -> tuple[PaymentMethod, ...]:
        """The methods its credentials in the settings let it take (so it is chosen for
        them by default); none without credentials."""
        ...

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], methods: tuple[PaymentMethod, ...]
    ) -> PaymentProvider:
        """Build it from the app's settings to serve `methods`; raise ConfigurationError
        on unsafe or missing settings, naming the one to set."""
        ...

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

    def simulator_url(self, order: Order) -> str | None:
        """A page of ours that plays the buyer's side of this payment (demo only), or None."""
        ...

    def can_refund(self, order: Order) -> bool:
        """Whether it can send this order's money back; if not, the team refunds it by bank
        transfer and records it (payments/refunds.py)."""
        ...

    def notification_url(self, base_url: str) -> str | None:
        """The address to register at the provider for its webhooks or callbacks, if any."""
        ...

    def notification_problems(self, config: Mapping[str, Any]) -> list[str]:
        """What in the settings would make its notifications be refused (for the command)."""
        ...
