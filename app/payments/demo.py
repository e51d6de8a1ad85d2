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

from datetime import timedelta

from flask import url_for

from app.checkout.models import Order
from app.payments.provider import (
    MultibancoVoucher,
    Outcome,
    PaymentMethod,
    PaymentStart,
    PaymentUpdate,
    ProviderEvent,
)
from app.timeutil import utcnow

DECLINE_TRIGGER = "DECLINE"
DEMO_ENTITY = "99999"
VOUCHER_LIFETIME = timedelta(days=3)


class DemoProvider:
    name = "demo"
    methods = (PaymentMethod.CARD, PaymentMethod.MB_WAY, PaymentMethod.MULTIBANCO)
    is_demo = True

    def __init__(self, app_env: str) -> None:
        if app_env == "production":
            raise RuntimeError("the demo payment provider never runs in production")

    def start_payment(self, order: Order, *, return_url: str) -> PaymentStart:
        """Card goes to the demo card page; MB WAY and Multibanco wait on the order page."""
        reference = f"demo_{order.id.hex[:12]}_{order.attempt}"
        if order.payment_method == PaymentMethod.CARD:
            return PaymentStart(
                redirect_url=url_for("payments.demo_card", token=order.public_token),
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

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> ProviderEvent:
        """The demo sends no webhooks."""
        raise ValueError("the demo provider has no webhooks")

    def multibanco_paid(self, order: Order) -> PaymentUpdate:
        """The demo ATM paid the voucher."""
        return PaymentUpdate(
            str(order.id),
            Outcome.SUCCEEDED,
            "demo_multibanco_paid",
            amount_cents=order.amount_cents,
            currency=order.currency,
        )

    def card_result(self, order: Order, cardholder_name: str) -> PaymentUpdate:
        """Decide the demo card payment: declined when the name holds DECLINE."""
        if DECLINE_TRIGGER in cardholder_name.upper():
            return PaymentUpdate(str(order.id), Outcome.FAILED, "card_declined")
        return PaymentUpdate(
            str(order.id),
            Outcome.SUCCEEDED,
            "demo_card_paid",
            amount_cents=order.amount_cents,
            currency=order.currency,
        )

    def mbway_result(self, order: Order, decision: str) -> PaymentUpdate:
        """Decide the demo MB WAY payment from the simulated phone's answer."""
        if decision == "approve":
            return PaymentUpdate(
                str(order.id),
                Outcome.SUCCEEDED,
                "demo_mbway_approved",
                amount_cents=order.amount_cents,
                currency=order.currency,
            )
        return PaymentUpdate(str(order.id), Outcome.FAILED, "mbway_rejected")
