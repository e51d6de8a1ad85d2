"""The offline demo provider: plays card and MB WAY payments on our own pages.

It is the default on a fresh machine and refuses to run in production.

- Card: the buyer lands on a demo card page with one pay button. The payment is
  declined when the cardholder name contains DECLINE (any case), and succeeds otherwise.
- MB WAY: the order waits for approval; a demo-only "phone" page approves or rejects
  it. Unanswered, it expires when its window (MBWAY_TIMEOUT_SECONDS, 4 minutes) ends.
- Multibanco: the order page shows a demo entity and reference (entity 99999, which no
  bank uses); a demo-only "ATM" page pays it. The voucher expires after three days.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import url_for

from app.config import ConfigurationError
from app.orders.methods import PaymentMethod
from app.orders.models import Order
from app.payments.provider import MultibancoVoucher, Outcome, PaymentStart, PaymentUpdate
from app.timeutil import utcnow

DECLINE_TRIGGER = "DECLINE"
DEMO_ENTITY = "99999"
VOUCHER_LIFETIME = timedelta(days=3)


# The demo's own page for each method, where the buyer's side is played.
SIMULATORS = {
    PaymentMethod.CARD: "demo.card",
    # Klarna's own pages are played by the card page, which says it is Klarna.
    PaymentMethod.KLARNA: "demo.card",
    PaymentMethod.MB_WAY: "demo.phone",
    PaymentMethod.MULTIBANCO: "demo.atm",
}


class DemoProvider:
    name = "demo"
    methods = (
        PaymentMethod.CARD,
        PaymentMethod.MB_WAY,
        PaymentMethod.MULTIBANCO,
        PaymentMethod.KLARNA,
    )
    takes_real_money = False
    sends_webhooks = False
    reads_status = False
    has_receipts = False
    checkout_hosts: tuple[str, ...] = ()
    withdraws_payments = True

    @classmethod
    def methods_configured(cls, config: Mapping[str, Any]) -> tuple[PaymentMethod, ...]:
        """Never chosen over a provider with credentials: it is what runs without any."""
        return ()

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], methods: tuple[PaymentMethod, ...]
    ) -> DemoProvider:
        """The demo, anywhere but in production."""
        if config["APP_ENV"] == "production":
            raise ConfigurationError(
                "The demo payment provider never runs in production: set STRIPE_SECRET_KEY "
                "or the IFTHENPAY_* keys"
            )
        return cls()

    def start_payment(self, order: Order, *, return_url: str) -> PaymentStart:
        """Card goes to the demo card page; MB WAY and Multibanco wait on the order page."""
        reference = f"demo_{order.id.hex[:12]}_{order.attempt}"
        if order.payment_method in (PaymentMethod.CARD, PaymentMethod.KLARNA):
            return PaymentStart(
                redirect_url=url_for("demo.card", token=order.public_token),
                provider_reference=reference,
            )
        if order.payment_method == PaymentMethod.MULTIBANCO:
            # Nine digits from the order id and attempt, grouped like a real voucher.
            digits = f"{int(order.id.hex[:12], 16) % 10**8:08d}{order.attempt % 10}"
            voucher = MultibancoVoucher(DEMO_ENTITY, digits, utcnow() + VOUCHER_LIFETIME)
            return PaymentStart(None, reference, multibanco=voucher)
        return PaymentStart(redirect_url=None, provider_reference=reference)

    def fetch_status(self, order: Order) -> PaymentUpdate | None:
        """The demo keeps no state of its own: the order already holds the truth."""
        return None

    def cancel_payment(self, order: Order) -> PaymentUpdate | None:
        """Nothing stays open at the demo once the order stops waiting."""
        return None

    def refund(self, order: Order, amount_cents: int | None) -> str:
        """The demo refunds at once; the caller records it."""
        return f"demo_refund_{order.id.hex[:12]}_{order.refunded_cents}"

    def receipt_url(self, order: Order) -> str | None:
        """The demo has no hosted receipts."""
        return None

    def can_refund(self, order: Order) -> bool:
        return True

    def notification_url(self, base_url: str) -> str | None:
        """The demo's pages settle payments themselves: nothing calls the shop."""
        return None

    def notification_problems(self, config: Mapping[str, Any]) -> list[str]:
        return []

    def simulator_url(self, order: Order) -> str | None:
        """The demo page that plays the buyer's card, phone or ATM for this order."""
        return url_for(SIMULATORS[PaymentMethod(order.payment_method)], token=order.public_token)


# -- the buyer's side, played on the demo's own pages (demo/routes.py) ----------------------


def _paid(order: Order, reason: str) -> PaymentUpdate:
    return PaymentUpdate(
        str(order.id),
        Outcome.SUCCEEDED,
        reason,
        amount_cents=order.amount_cents,
        currency=order.currency,
    )


def multibanco_paid(order: Order) -> PaymentUpdate:
    """The demo ATM paid the voucher."""
    return _paid(order, "demo_multibanco_paid")


def card_result(order: Order, cardholder_name: str) -> PaymentUpdate:
    """Decide the demo card payment: declined when the name holds DECLINE."""
    if DECLINE_TRIGGER in cardholder_name.upper():
        return PaymentUpdate(str(order.id), Outcome.FAILED, "card_declined")
    return _paid(order, "demo_card_paid")


def mbway_result(order: Order, decision: str) -> PaymentUpdate:
    """Decide the demo MB WAY payment from the simulated phone's answer."""
    if decision == "approve":
        return _paid(order, "demo_mbway_approved")
    return PaymentUpdate(str(order.id), Outcome.FAILED, "mbway_rejected")
