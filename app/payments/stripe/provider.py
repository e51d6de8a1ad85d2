"""Stripe: card through hosted Checkout, MB WAY and Multibanco through PaymentIntents.

Card data never touches our pages (Checkout is Stripe's hosted page, so the shop stays
at PCI SAQ-A). MB WAY and Multibanco PaymentIntents are created and confirmed on the
server, so the buyer needs no JavaScript on our side.

Every POST carries an idempotency key made of the order id, the attempt number and
the operation, so a retried request (ours or the library's) can never charge twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import stripe
from stripe import RequestOptions

from app.config import ConfigurationError
from app.orders.methods import PaymentMethod
from app.orders.models import Order
from app.payments.provider import (
    MultibancoVoucher,
    Outcome,
    PaymentProviderError,
    PaymentStart,
    PaymentUpdate,
    ProviderEvent,
)
from app.payments.stripe.statements import intent_update, session_update
from app.timeutil import utcnow
from app.web.bad_bytes import has_control

log = logging.getLogger(__name__)

# Stripe refuses a Checkout Session that expires sooner than 30 minutes after it is
# made; a shorter seat hold closes the session itself when the hold ends.
CHECKOUT_MIN_LIFETIME = timedelta(minutes=30, seconds=30)
WEBHOOK_TOLERANCE_SECONDS = 300


def stripe_amount(cents: int, currency: str) -> int:
    """Stripe's minor units for an amount in our cents (EUR: the same number)."""
    if currency.upper() != "EUR":
        raise ValueError(f"the shop only sells in EUR, not {currency}")
    return cents


def stripe_locale(locale: str) -> str:
    return "pt" if locale.startswith("pt") else "en"


class StripeProvider:
    name = "stripe"
    methods = (
        PaymentMethod.CARD,
        PaymentMethod.MB_WAY,
        PaymentMethod.MULTIBANCO,
        PaymentMethod.KLARNA,
    )
    takes_real_money = True
    sends_webhooks = True
    reads_status = True
    has_receipts = True
    # Checkout is reached by a redirect after our checkout form's POST.
    checkout_hosts = ("https://checkout.stripe.com",)
    # A Checkout Session expired or a PaymentIntent cancelled can no longer be paid.
    withdraws_payments = True

    @classmethod
    def methods_configured(cls, config: Mapping[str, Any]) -> tuple[PaymentMethod, ...]:
        """Every method, once STRIPE_SECRET_KEY is set."""
        return cls.methods if config.get("STRIPE_SECRET_KEY") else ()

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], methods: tuple[PaymentMethod, ...]
    ) -> StripeProvider:
        """Stripe with its key; in production also with the webhook secret (else no
        payment would ever be confirmed)."""
        if not config.get("STRIPE_SECRET_KEY"):
            raise ConfigurationError("payments through Stripe need STRIPE_SECRET_KEY")
        if config["APP_ENV"] == "production" and not config.get("STRIPE_WEBHOOK_SECRET"):
            raise ConfigurationError("Stripe in production needs STRIPE_WEBHOOK_SECRET")
        return cls(
            config["STRIPE_SECRET_KEY"],
            api_base=config.get("STRIPE_API_BASE"),
            local_checkout=config["APP_ENV"] != "production",
            max_network_retries=config["STRIPE_MAX_NETWORK_RETRIES"],
            timeout_seconds=config["STRIPE_TIMEOUT_SECONDS"],
        )

    def __init__(
        self,
        secret_key: str,
        *,
        api_base: str | None = None,
        local_checkout: bool = False,
        max_network_retries: int = 2,
        timeout_seconds: float = 15,
        quick_timeout_seconds: float = 4,
    ) -> None:
        base = {"api": api_base} if api_base else None
        if api_base and local_checkout:
            # A local double of Stripe (tests, walking the shop by hand) hosts its own
            # Checkout page: our form may lead there too (never in production).
            parts = urlsplit(api_base)
            self.checkout_hosts = (*self.checkout_hosts, f"{parts.scheme}://{parts.netloc}")
        # Writes (start, cancel, refund) may retry: their idempotency keys make it safe.
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses=base,
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
        )
        # Reads made while a buyer waits for a page get one short try.
        self.quick = stripe.StripeClient(
            secret_key,
            base_addresses=base,
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=quick_timeout_seconds),
        )

    # -- starting payments -------------------------------------------------------

    def start_payment(self, order: Order, *, return_url: str) -> PaymentStart:
        """Create the Checkout Session or the confirmed PaymentIntent for this attempt."""
        try:
            if order.payment_method in (PaymentMethod.CARD, PaymentMethod.KLARNA):
                # Klarna's pay-in-3 is chosen on Stripe's hosted Checkout, like a card.
                return self._start_checkout(order, return_url)
            if order.payment_method == PaymentMethod.MB_WAY:
                return self._start_mbway(order)
            if order.payment_method == PaymentMethod.MULTIBANCO:
                return self._start_multibanco(order)
        except stripe.CardError as exc:
            raise PaymentProviderError("payment_refused", exc.code or "card_error") from exc
        except stripe.StripeError as exc:
            raise PaymentProviderError("provider_unavailable", _describe(exc)) from exc
        raise PaymentProviderError("provider_unavailable", f"method {order.payment_method}")

    def _start_checkout(self, order: Order, return_url: str) -> PaymentStart:
        customer = order.customer
        locale = stripe_locale(order.locale)
        metadata = _metadata(order)
        expires_at = max(order.expires_at or utcnow(), utcnow() + CHECKOUT_MIN_LIFETIME)
        params: dict[str, Any] = {
            "mode": "payment",
            "payment_method_types": [str(order.payment_method)],
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": order.currency.lower(),
                        "unit_amount": stripe_amount(order.amount_cents, order.currency),
                        "product_data": {"name": _description(order)},
                    },
                }
            ],
            "locale": locale,
            "client_reference_id": str(order.id),
            "metadata": metadata,
            "payment_intent_data": {
                "metadata": metadata,
                "description": _description(order),
                "receipt_email": customer.email,
            },
            "success_url": f"{return_url}?checkout=done",
            "cancel_url": f"{return_url}?checkout=cancelled",
            "expires_at": int(expires_at.timestamp()),
        }
        if order.billing_nif:
            # The NIF goes on the Stripe customer as a Portuguese tax id, so it is
            # on the receipt; the customer is made once per attempt.
            stripe_customer = self.client.v1.customers.create(
                {
                    "email": customer.email,
                    "name": order.name_on_order,
                    "preferred_locales": [locale],
                    "tax_id_data": [{"type": "eu_vat", "value": f"PT{order.billing_nif}"}],
                    "metadata": metadata,
                },
                {"idempotency_key": _key(order, "customer")},
            )
            params["customer"] = stripe_customer.id
            # Kept on the person too, for their export and their next purchase's support.
            customer.stripe_customer_id = stripe_customer.id
        else:
            params["customer_email"] = customer.email
        session = self.client.v1.checkout.sessions.create(
            params, {"idempotency_key": _key(order, "checkout_session")}
        )
        return PaymentStart(
            redirect_url=session.url,
            provider_reference=session.id,
            payment_url=session.url,
        )

    def _payment_intent(self, order: Order, method: str, billing: dict[str, str]) -> Any:
        return self.client.v1.payment_intents.create(
            {
                "amount": stripe_amount(order.amount_cents, order.currency),
                "currency": order.currency.lower(),
                "payment_method_types": [method],
                "payment_method_data": {"type": method, "billing_details": billing},
                "confirm": True,
                "metadata": _metadata(order),
                "description": _description(order),
                "receipt_email": order.customer.email,
            },
            {"idempotency_key": _key(order, f"payment_intent_{method}")},
        )

    def _start_mbway(self, order: Order) -> PaymentStart:
        customer = order.customer
        intent = self._payment_intent(
            order,
            "mb_way",
            {
                "phone": order.phone_on_order,
                "name": order.name_on_order,
                "email": customer.email,
            },
        )
        update = intent_update(order, intent.to_dict())
        return PaymentStart(
            redirect_url=None,
            provider_reference=intent.id,
            payment_intent_id=intent.id,
            update=update if update.outcome != Outcome.PENDING else None,
        )

    def _start_multibanco(self, order: Order) -> PaymentStart:
        customer = order.customer
        intent = self._payment_intent(
            order, "multibanco", {"email": customer.email, "name": order.name_on_order}
        )
        data = intent.to_dict()
        details = (data.get("next_action") or {}).get("multibanco_display_details") or {}
        if not details.get("entity") or not details.get("reference"):
            update = intent_update(order, data)
            if update.outcome == Outcome.PENDING:
                raise PaymentProviderError("provider_unavailable", "no Multibanco reference")
            return PaymentStart(None, intent.id, payment_intent_id=intent.id, update=update)
        voucher = MultibancoVoucher(
            entity=str(details["entity"]),
            reference=str(details["reference"]),
            expires_at=datetime.fromtimestamp(int(details["expires_at"]), UTC),
            hosted_url=details.get("hosted_voucher_url"),
        )
        return PaymentStart(
            redirect_url=None,
            provider_reference=intent.id,
            payment_intent_id=intent.id,
            payment_url=voucher.hosted_url,
            multibanco=voucher,
        )

    # -- reading, closing, refunding ---------------------------------------------

    def fetch_status(self, order: Order) -> PaymentUpdate | None:
        """Read the session or PaymentIntent at Stripe (one short try)."""
        reference = order.provider_reference
        if not reference:
            return None
        try:
            if reference.startswith("cs_"):
                return session_update(order, self.quick.v1.checkout.sessions.retrieve(reference))
            intent = self.quick.v1.payment_intents.retrieve(reference)
            return intent_update(order, intent.to_dict())
        except stripe.StripeError as exc:
            raise PaymentProviderError("provider_unavailable", _describe(exc)) from exc

    def cancel_payment(self, order: Order) -> PaymentUpdate | None:
        """Expire the Checkout Session or cancel the PaymentIntent; say if it was paid meanwhile."""
        reference = order.provider_reference
        if not reference:
            return None
        # Asked while a buyer waits to pay another way: short, one retry at most; a hold
        # that could not be closed is tried again by the next reconciliation.
        options: RequestOptions = {
            "idempotency_key": _key(order, "cancel"),
            "max_network_retries": 1,
        }
        try:
            if reference.startswith("cs_"):
                session = self.quick.v1.checkout.sessions.expire(reference, options=options)
                return session_update(order, session)
            intent = self.quick.v1.payment_intents.cancel(
                reference, {"cancellation_reason": "abandoned"}, options
            )
            return intent_update(order, intent.to_dict())
        except stripe.InvalidRequestError:
            # Already complete, expired or canceled: the current state says which.
            return self.fetch_status(order)
        except stripe.StripeError as exc:
            raise PaymentProviderError("provider_unavailable", _describe(exc)) from exc

    def refund(self, order: Order, amount_cents: int | None) -> str:
        """Refund the order's payment (in full when no amount is given)."""
        if not order.payment_intent_id:
            raise PaymentProviderError("provider_unavailable", "no PaymentIntent to refund")
        params: dict[str, Any] = {
            "payment_intent": order.payment_intent_id,
            "metadata": {"order_id": str(order.id)},
            "reason": "requested_by_customer",
        }
        if amount_cents is not None:
            params["amount"] = stripe_amount(amount_cents, order.currency)
        # Refunding the same amount again from the same starting point is one refund.
        key = f"{order.id}:refund:{amount_cents or 'all'}:{order.refunded_cents}"
        try:
            refund = self.client.v1.refunds.create(params, {"idempotency_key": key})
        except stripe.StripeError as exc:
            raise PaymentProviderError("provider_unavailable", _describe(exc)) from exc
        return refund.id

    def receipt_url(self, order: Order) -> str | None:
        """Stripe's hosted receipt, read from the payment's latest charge."""
        if not order.payment_intent_id:
            return None
        try:
            intent = self.quick.v1.payment_intents.retrieve(
                order.payment_intent_id, {"expand": ["latest_charge"]}
            )
        except stripe.StripeError as exc:
            raise PaymentProviderError("provider_unavailable", _describe(exc)) from exc
        charge = intent.to_dict().get("latest_charge")
        return charge.get("receipt_url") if isinstance(charge, dict) else None

    def can_refund(self, order: Order) -> bool:
        return True

    def notification_url(self, base_url: str) -> str | None:
        """The webhook endpoint to add in Stripe's dashboard (docs/operations/stripe.md)."""
        return f"{base_url}/webhooks/stripe"

    def notification_problems(self, config: Mapping[str, Any]) -> list[str]:
        if config.get("STRIPE_WEBHOOK_SECRET"):
            return []
        return ["STRIPE_WEBHOOK_SECRET is not set: every webhook is refused until it is."]

    def simulator_url(self, order: Order) -> str | None:
        """Stripe's payments are real: nothing of ours plays them."""
        return None


def _plain_text(value: object, longest: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= longest and not has_control(value)


def verify_event(body: bytes, headers: Mapping[str, str], secret: str | None) -> ProviderEvent:
    """Check Stripe's v1 signature on the raw body (300 s tolerance) and parse the event.

    Raises ValueError when the event is not authentic.
    """
    if not secret:
        raise ValueError("STRIPE_WEBHOOK_SECRET is not set")
    try:
        stripe.WebhookSignature.verify_header(
            body, headers.get("Stripe-Signature"), secret, WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(body)
        event_id, event_type, data = event["id"], event["type"], event["data"]["object"]
        # Signed, but not what Stripe sends: refused before anything is stored.
        if not _plain_text(event_id, 255) or not _plain_text(event_type, 64):
            raise ValueError("the event id or type is not short plain text")
        if not isinstance(data, dict):
            raise ValueError("the event's object is not an object")
        return ProviderEvent(id=event_id, type=event_type, data=data)
    except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not an authentic Stripe event: {exc}") from exc


def _metadata(order: Order) -> dict[str, str]:
    return {"order_id": str(order.id), "attempt": str(order.attempt)}


def _description(order: Order) -> str:
    # The amount already has the code's discount off; the name says which code it was.
    code = f" ({order.coupon_code})" if order.coupon_code else ""
    return f"Café com Vendas — {order.offer.localized_name(order.locale)}{code}"


def _key(order: Order, operation: str) -> str:
    return f"{order.id}:{order.attempt}:{operation}"


def _describe(exc: stripe.StripeError) -> str:
    return f"{type(exc).__name__} {exc.http_status or ''} {exc.code or ''}".strip()
