"""Payment endpoints: the Stripe webhook, receipts, and the demo provider's own pages."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, jsonify, redirect, request, url_for

from app.checkout.models import Order
from app.checkout.services import expire_if_overdue, order_by_token
from app.checkout.states import OrderStatus
from app.extensions import csrf
from app.payments.demo import DemoProvider
from app.payments.provider import PaymentMethod, PaymentProviderError
from app.payments.services import apply_payment_update, get_provider, receipt_url
from app.payments.webhooks import handle_event
from app.web.i18n import localized_route
from app.web.limits import unlimited
from app.web.rendering import redirect_after_post, render_page

bp = Blueprint("payments", __name__)
log = logging.getLogger(__name__)

# Stripe's events are larger than our forms; MAX_CONTENT_LENGTH stays small elsewhere.
WEBHOOK_MAX_BYTES = 1024 * 1024


@bp.post("/webhooks/stripe")
@csrf.exempt
# Stripe retries what we refuse, and its deliveries come in bursts from a few addresses.
@unlimited
def stripe_webhook() -> tuple[Response, int]:
    provider = get_provider()
    if provider.name != "stripe":
        abort(404)
    request.max_content_length = WEBHOOK_MAX_BYTES
    try:
        event = provider.parse_webhook(request.get_data(), dict(request.headers))
    except ValueError as exc:
        log.warning("refused a Stripe webhook: %s", exc)
        return jsonify(error="invalid signature"), 400
    return jsonify(received=True, result=handle_event(event)), 200


@localized_route(bp, "/order/<token>/receipt", methods=["GET"])
def receipt(token: str) -> Response:
    order = order_by_token(token)
    if order is None or order.status not in (OrderStatus.PAID, OrderStatus.REFUNDED):
        abort(404)
    try:
        url = receipt_url(order)
    except PaymentProviderError:
        log.warning("order %s: receipt not available from the provider", order.id)
        url = None
    if not url:
        return redirect(url_for("checkout.order", token=token, receipt="unavailable"), 303)
    return redirect(url, 303)


def _demo_order(token: str, method: PaymentMethod) -> tuple[DemoProvider, Order]:
    provider = get_provider()
    if not isinstance(provider, DemoProvider):
        abort(404)
    order = order_by_token(token)
    if order is None or order.payment_method != method:
        abort(404)
    return provider, expire_if_overdue(order)


@localized_route(bp, "/demo/card/<token>", methods=["GET", "POST"])
def demo_card(token: str) -> Response:
    provider, order = _demo_order(token, PaymentMethod.CARD)
    order_url = url_for("checkout.order", token=order.public_token)
    if order.status != OrderStatus.AWAITING_PAYMENT:
        return redirect_after_post(order_url)
    if request.method == "POST":
        cardholder = request.form.get("cardholder_name", "")[:120]
        apply_payment_update(provider.card_result(order, cardholder))
        return redirect_after_post(order_url)
    return render_page("payments/demo_card.html", order=order, event=order.offer.event)


@localized_route(bp, "/demo/mbway/<token>", methods=["GET", "POST"])
def demo_phone(token: str) -> Response:
    provider, order = _demo_order(token, PaymentMethod.MB_WAY)
    order_url = url_for("checkout.order", token=order.public_token)
    if request.method == "POST":
        decision = request.form.get("decision")
        if decision not in {"approve", "reject"}:
            abort(422)
        if order.status == OrderStatus.AWAITING_PAYMENT:
            apply_payment_update(provider.mbway_result(order, decision))
        return redirect_after_post(order_url)
    return render_page("payments/demo_phone.html", order=order, event=order.offer.event)


@localized_route(bp, "/demo/multibanco/<token>", methods=["GET", "POST"])
def demo_atm(token: str) -> Response:
    provider, order = _demo_order(token, PaymentMethod.MULTIBANCO)
    order_url = url_for("checkout.order", token=order.public_token)
    if request.method == "POST":
        if order.status == OrderStatus.AWAITING_PAYMENT:
            apply_payment_update(provider.multibanco_paid(order))
        return redirect_after_post(order_url)
    return render_page("payments/demo_atm.html", order=order, event=order.offer.event)
