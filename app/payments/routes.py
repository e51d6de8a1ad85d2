"""Demo-only pages that play the payment provider: a card page and an MB WAY phone."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for

from app.checkout.models import Order
from app.checkout.services import expire_if_overdue, order_by_token
from app.checkout.states import OrderStatus
from app.payments.demo import DemoProvider
from app.payments.provider import PaymentMethod
from app.payments.services import apply_payment_update, get_provider
from app.web.i18n import localized_route
from app.web.rendering import redirect_after_post, render_page

bp = Blueprint("payments", __name__)


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
