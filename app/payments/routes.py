"""The receipt link on a paid order's page: to the provider's hosted receipt."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, redirect, url_for

from app.orders.lookup import order_by_token
from app.orders.states import OrderStatus
from app.payments.provider import PaymentProviderError
from app.payments.receipts import receipt_url
from app.web.i18n import localized_route

bp = Blueprint("payments", __name__)
log = logging.getLogger(__name__)


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
