"""How order statuses and payment methods read for people: defined once, for pages,
emails and the privacy export (each a template filter too)."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.orders.methods import PaymentMethod
from app.orders.states import OrderStatus

STATUS_LABELS = {
    OrderStatus.AWAITING_PAYMENT: _l("waiting for payment"),
    OrderStatus.PAID: _l("paid"),
    OrderStatus.FAILED: _l("not paid"),
    OrderStatus.EXPIRED: _l("not paid"),
    OrderStatus.REFUNDED: _l("refunded"),
}

METHOD_LABELS = {
    PaymentMethod.CARD: _l("Card"),
    PaymentMethod.MB_WAY: _l("MB WAY"),
    PaymentMethod.MULTIBANCO: _l("Multibanco"),
    PaymentMethod.KLARNA: _l("Klarna, in 3 payments"),
}

# The retry buttons on a failed or expired order.
PAY_WITH_LABELS = {
    PaymentMethod.CARD: _l("Pay by card"),
    PaymentMethod.MB_WAY: _l("Pay with MB WAY"),
    PaymentMethod.MULTIBANCO: _l("Pay by Multibanco"),
    PaymentMethod.KLARNA: _l("Pay in 3 with Klarna"),
}


def status_label(status: str) -> str:
    """The order status in the current language ("paid", "waiting for payment"...)."""
    return str(STATUS_LABELS[OrderStatus(status)])


def method_label(method: str) -> str:
    """The payment method in the current language ("Card", "MB WAY", "Multibanco")."""
    return str(METHOD_LABELS[PaymentMethod(method)])


def pay_with_label(method: str) -> str:
    """The retry button for a payment method ("Pay by card"...)."""
    return str(PAY_WITH_LABELS[PaymentMethod(method)])


def init_labels(app: Flask) -> None:
    """Templates read statuses and methods through these filters, never as literals."""
    app.add_template_filter(status_label)
    app.add_template_filter(method_label)
    app.add_template_filter(pay_with_label)
