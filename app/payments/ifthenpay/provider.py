"""ifthenpay: MB WAY and Multibanco through a Portuguese payment gateway.

- MB WAY: the gateway pushes a request to the buyer's phone (MB WAY key); the buyer
  has about 4 minutes to approve it in the app, and the seat is held as long.
- Multibanco: a dynamic reference (MB key) with the entity, reference and amount to
  pay at an ATM or in home banking; it expires before the seat's hold ends.
- Payments are confirmed by ifthenpay's callback (callbacks.py), checked with the
  anti-phishing key; reconciliation reads late ones (MB WAY status; Multibanco from the
  payments list, with the backoffice key).
- Refunds: MB WAY through the refund endpoint (backoffice key). A Multibanco payment
  has no account to send money back to, so the team refunds it by bank transfer and
  records it in the back office.

Each attempt is sent as our order id: the first 12 hex digits of the order's id and
the attempt in 3 digits (15 characters, the gateway's limit), so a callback finds its
order even for a request whose answer never reached us.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from app.config import ConfigurationError
from app.orders.methods import PaymentMethod
from app.orders.models import Order
from app.payments.ifthenpay.gateway import (
    DEFAULT_API_BASE,
    Gateway,
    GatewayAnswer,
    cents_from,
    gateway_amount,
)
from app.payments.provider import (
    MultibancoVoucher,
    Outcome,
    PaymentProviderError,
    PaymentStart,
    PaymentUpdate,
)
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

LISBON = ZoneInfo("Europe/Lisbon")
CALLBACK_PATH = "/webhooks/ifthenpay"
# The placeholders ifthenpay fills in on the callback URL registered for each key.
CALLBACK_PLACEHOLDERS = (
    "key=[ANTI_PHISHING_KEY]&orderId=[ORDER_ID]&amount=[AMOUNT]&requestId=[REQUEST_ID]"
    "&entity=[ENTITY]&reference=[REFERENCE]&payment_datetime=[PAYMENT_DATETIME]"
)
# The setting each method needs.
KEYS = {PaymentMethod.MB_WAY: "IFTHENPAY_MBWAY_KEY", PaymentMethod.MULTIBANCO: "IFTHENPAY_MB_KEY"}

# What an MB WAY status read says (GET /spg/payment/mbway/status). Any other code is
# still waiting for the buyer.
MBWAY_PAID = "000"
MBWAY_ENDED = {
    "020": (Outcome.FAILED, "mbway_rejected"),  # the buyer refused it in the app
    "101": (Outcome.EXPIRED, "mbway_expired"),  # not answered in time
    "122": (Outcome.FAILED, "mbway_declined"),  # refused to the buyer (limits, card)
}
# What the MB WAY request itself answers: 000 sent; 122 refused to this buyer; 100 and
# 999 the gateway could not send it (the buyer may try again).
MBWAY_SENT = "000"
MBWAY_REFUSED = "122"


def gateway_order_id(order: Order) -> str:
    """Our id for this attempt at the gateway (15 characters)."""
    return f"{order.id.hex[:12]}{order.attempt % 1000:03d}"


def read_gateway_order_id(value: str) -> tuple[str, int] | None:
    """(the order id's first 12 hex digits, the attempt) from our id at the gateway."""
    value = value.strip().lower()
    if len(value) != 15 or not value[12:].isdigit():
        return None
    prefix = value[:12]
    if any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix, int(value[12:])


def gateway_phone(e164: str) -> str:
    """The buyer's number as MB WAY takes it: country code, '#', national number."""
    number = phonenumbers.parse(e164, "PT")
    return f"{number.country_code}#{number.national_number}"


def reference_days(now: datetime, hold_end: datetime) -> int:
    """How many days to give a Multibanco reference so it expires (at the end of that day,
    Lisbon time) before the seat's hold ends; 0 means at the end of today."""
    today = now.astimezone(LISBON).date()
    last_day = hold_end.astimezone(LISBON).date()
    if datetime.combine(last_day, time.max, LISBON) > hold_end:
        last_day -= timedelta(days=1)
    return max(0, (last_day - today).days)


def reference_expiry(answer: GatewayAnswer, now: datetime, days: int) -> datetime:
    """When the reference stops being payable: the gateway's ExpiryDate (DD-MM-YYYY) at the
    end of that day in Lisbon, else the end of the day we asked for."""
    try:
        day = datetime.strptime(answer.text("ExpiryDate"), "%d-%m-%Y").date()
    except ValueError:
        day = now.astimezone(LISBON).date() + timedelta(days=days)
    return datetime.combine(day, time(23, 59, 59), LISBON)


class IfthenpayProvider:
    name = "ifthenpay"
    methods = (PaymentMethod.MB_WAY, PaymentMethod.MULTIBANCO)
    takes_real_money = True
    # Refunds are not confirmed by a callback: one the gateway accepts is recorded.
    sends_webhooks = False
    reads_status = True
    has_receipts = False
    checkout_hosts: tuple[str, ...] = ()
    # Neither an MB WAY request nor a Multibanco reference can be withdrawn.
    withdraws_payments = False

    @classmethod
    def methods_configured(cls, config: Mapping[str, Any]) -> tuple[PaymentMethod, ...]:
        """The methods whose key is set."""
        return tuple(m for m in cls.methods if (config.get(KEYS[m]) or "").strip())

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], methods: tuple[PaymentMethod, ...]
    ) -> IfthenpayProvider:
        """ifthenpay for `methods`, each with its key; in production also with the
        anti-phishing key (else no callback is believed) and the backoffice key (refunds,
        and reading Multibanco payments whose callback is late)."""
        for method in methods:
            if not (config.get(KEYS[method]) or "").strip():
                raise ConfigurationError(f"{method} through ifthenpay needs {KEYS[method]}")
        if config["APP_ENV"] == "production":
            for name in ("IFTHENPAY_ANTI_PHISHING_KEY", "IFTHENPAY_BACKOFFICE_KEY"):
                if not (config.get(name) or "").strip():
                    raise ConfigurationError(f"ifthenpay in production needs {name}")
        return cls(
            mbway_key=(config.get("IFTHENPAY_MBWAY_KEY") or "").strip(),
            mb_key=(config.get("IFTHENPAY_MB_KEY") or "").strip(),
            backoffice_key=(config.get("IFTHENPAY_BACKOFFICE_KEY") or "").strip(),
            api_base=config.get("IFTHENPAY_API_BASE") or DEFAULT_API_BASE,
            timeout_seconds=float(config.get("IFTHENPAY_TIMEOUT_SECONDS", 15)),
            multibanco_hold_hours=int(config.get("MULTIBANCO_HOLD_HOURS", 48)),
        )

    def __init__(
        self,
        *,
        mbway_key: str,
        mb_key: str,
        backoffice_key: str,
        api_base: str = DEFAULT_API_BASE,
        timeout_seconds: float = 15,
        multibanco_hold_hours: int = 48,
    ) -> None:
        self.mbway_key = mbway_key
        self.mb_key = mb_key
        self.backoffice_key = backoffice_key
        self.multibanco_hold = timedelta(hours=multibanco_hold_hours)
        # Reads a page or the worker waits on never wait longer than a write would.
        self.gateway = Gateway(
            api_base,
            timeout_seconds=timeout_seconds,
            quick_timeout_seconds=min(4, timeout_seconds),
        )

    # -- starting payments -------------------------------------------------------

    def start_payment(self, order: Order, *, return_url: str) -> PaymentStart:
        """Push the MB WAY request, or make the Multibanco reference, for this attempt."""
        if order.payment_method == PaymentMethod.MB_WAY:
            return self._start_mbway(order)
        if order.payment_method == PaymentMethod.MULTIBANCO:
            return self._start_multibanco(order)
        raise PaymentProviderError("provider_unavailable", f"method {order.payment_method}")

    def _start_mbway(self, order: Order) -> PaymentStart:
        answer = self.gateway.post(
            "/spg/payment/mbway",
            {
                "mbWayKey": self.mbway_key,
                "orderId": gateway_order_id(order),
                "amount": gateway_amount(order.amount_cents),
                "mobileNumber": gateway_phone(order.phone_on_order),
                "email": order.email_on_order,
                "description": _description(order),
            },
        )
        status = answer.text("Status")
        if status == MBWAY_REFUSED:
            raise PaymentProviderError("payment_refused", f"MB WAY {status}")
        request_id = answer.text("RequestId")
        if status != MBWAY_SENT or not request_id:
            raise PaymentProviderError("provider_unavailable", f"MB WAY {status or 'no status'}")
        return PaymentStart(
            redirect_url=None,
            provider_reference=gateway_order_id(order),
            payment_intent_id=request_id,
        )

    def _start_multibanco(self, order: Order) -> PaymentStart:
        now = utcnow()
        hold_end = min(now + self.multibanco_hold, as_utc(order.offer.sales_end))
        days = reference_days(now, hold_end)
        answer = self.gateway.post(
            "/multibanco/reference/init",
            {
                "mbKey": self.mb_key,
                "orderId": gateway_order_id(order),
                "amount": gateway_amount(order.amount_cents),
                "description": _description(order),
                "clientName": order.name_on_order[:200],
                "clientEmail": order.email_on_order[:200],
                "expiryDays": days,
            },
        )
        entity, reference = answer.text("Entity"), answer.text("Reference")
        request_id = answer.text("RequestId")
        if answer.text("Status") != "0" or not (entity and reference and request_id):
            raise PaymentProviderError(
                "provider_unavailable", f"Multibanco {answer.text('Status') or 'no status'}"
            )
        voucher = MultibancoVoucher(entity, reference, reference_expiry(answer, now, days))
        return PaymentStart(
            redirect_url=None,
            provider_reference=gateway_order_id(order),
            payment_intent_id=request_id,
            multibanco=voucher,
        )

    # -- reading, closing, refunding ---------------------------------------------

    def fetch_status(self, order: Order) -> PaymentUpdate | None:
        """Read the current attempt's payment at the gateway (one short try)."""
        if not order.payment_intent_id:
            return None
        if order.payment_method == PaymentMethod.MB_WAY:
            return self._mbway_status(order)
        if order.payment_method == PaymentMethod.MULTIBANCO and self.backoffice_key:
            return self._multibanco_status(order)
        return None

    def _mbway_status(self, order: Order) -> PaymentUpdate:
        answer = self.gateway.get(
            "/spg/payment/mbway/status",
            {"mbWayKey": self.mbway_key, "requestId": order.payment_intent_id or ""},
        )
        status = answer.text("Status")
        if status == MBWAY_PAID:
            # The status does not repeat the amount: it is the one this request asked for.
            return _paid(order, "ifthenpay_mbway_paid", order.amount_cents)
        outcome, reason = MBWAY_ENDED.get(status, (Outcome.PENDING, "mbway_pending"))
        return PaymentUpdate(str(order.id), outcome, reason, attempt=order.attempt)

    def _multibanco_status(self, order: Order) -> PaymentUpdate:
        answer = self.gateway.post(
            "/v2/payments/read",
            {"boKey": self.backoffice_key, "requestId": order.payment_intent_id},
            quick=True,
        )
        payments = answer.data.get("payments")
        for payment in payments if isinstance(payments, list) else []:
            if isinstance(payment, dict) and payment.get("requestId") == order.payment_intent_id:
                return _paid(order, "ifthenpay_multibanco_paid", cents_from(payment.get("amount")))
        return PaymentUpdate(str(order.id), Outcome.PENDING, "multibanco_pending")

    def cancel_payment(self, order: Order) -> PaymentUpdate | None:
        """The gateway cannot withdraw an MB WAY request or a reference: say if it was
        paid meanwhile, else nothing is left to close (a payment that still comes in is
        settled by its callback and flagged if the seat was sold again)."""
        try:
            update = self.fetch_status(order)
        except PaymentProviderError as exc:
            log.info("order %s: could not read the payment before closing (%s)", order.id, exc)
            return None
        return update if update is not None and update.outcome == Outcome.SUCCEEDED else None

    def refund(self, order: Order, amount_cents: int | None) -> str:
        """Refund an MB WAY payment through the gateway (never asked for Multibanco)."""
        if not self.can_refund(order):
            raise PaymentProviderError("refund_by_transfer", "Multibanco has no refund endpoint")
        if not self.backoffice_key or not order.payment_intent_id:
            raise PaymentProviderError("provider_unavailable", "no backoffice key or request id")
        cents = amount_cents or order.amount_cents - order.refunded_cents
        answer = self.gateway.post(
            "/v2/payments/refund",
            {
                "backofficekey": self.backoffice_key,
                "requestId": order.payment_intent_id,
                "amount": gateway_amount(cents),
            },
        )
        if answer.text("Code") != "1":
            # -1: not enough unsettled money at the gateway to refund from; 0: refused.
            raise PaymentProviderError(
                "provider_unavailable", f"refund {answer.text('Code')}: {answer.text('Message')}"
            )
        return f"ifthenpay_refund_{order.payment_intent_id}_{order.refunded_cents + cents}"

    def receipt_url(self, order: Order) -> str | None:
        """ifthenpay keeps no receipt page for the buyer."""
        return None

    def can_refund(self, order: Order) -> bool:
        """MB WAY through the refund endpoint; Multibanco has no account to send it back to."""
        return order.payment_method == PaymentMethod.MB_WAY

    def notification_url(self, base_url: str) -> str | None:
        """The callback URL, with the placeholders ifthenpay fills in, for each key."""
        return f"{base_url}{CALLBACK_PATH}?{CALLBACK_PLACEHOLDERS}"

    def notification_problems(self, config: Mapping[str, Any]) -> list[str]:
        if config.get("IFTHENPAY_ANTI_PHISHING_KEY"):
            return []
        return ["IFTHENPAY_ANTI_PHISHING_KEY is not set: every callback is refused until it is."]

    def simulator_url(self, order: Order) -> str | None:
        """Payments are real: nothing of ours plays them."""
        return None


def _paid(order: Order, reason: str, cents: int | None) -> PaymentUpdate:
    return PaymentUpdate(
        str(order.id),
        Outcome.SUCCEEDED,
        reason,
        amount_cents=cents,
        currency="EUR",
        attempt=order.attempt,
    )


def _description(order: Order) -> str:
    # The gateway takes at most 100 characters, shown in the buyer's MB WAY app.
    return f"Café com Vendas {order.id.hex[:8]}"[:100]
