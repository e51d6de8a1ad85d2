"""Starting payments and applying what providers say to orders."""

from __future__ import annotations

import logging
import uuid

from flask import current_app

from app.checkout.models import Order
from app.checkout.services import transition_order
from app.checkout.states import OrderStatus, TransitionRefused
from app.extensions import db
from app.payments.demo import DemoProvider
from app.payments.provider import Outcome, PaymentProvider, PaymentUpdate

log = logging.getLogger(__name__)

OUTCOME_TO_STATUS = {
    Outcome.SUCCEEDED: OrderStatus.PAID,
    Outcome.FAILED: OrderStatus.FAILED,
    Outcome.EXPIRED: OrderStatus.EXPIRED,
}


def get_provider() -> PaymentProvider:
    """The provider chosen by PAYMENT_PROVIDER, built once per app."""
    provider = current_app.extensions.get("payment_provider")
    if provider is None:
        name = current_app.config["PAYMENT_PROVIDER"]
        if name == "demo":
            provider = DemoProvider(current_app.config["APP_ENV"])
        else:
            raise RuntimeError(f"unknown PAYMENT_PROVIDER {name!r}")
        current_app.extensions["payment_provider"] = provider
    return provider


def start_payment(order: Order, *, return_url: str) -> str | None:
    """Hand the order to the provider and keep its reference; returns where the buyer goes."""
    provider = get_provider()
    start = provider.start_payment(order, return_url=return_url)
    order.provider_reference = start.provider_reference
    db.session.commit()
    return start.redirect_url


def apply_payment_update(update: PaymentUpdate) -> Order:
    """Move the order as a verified provider statement says; a stale statement changes nothing.

    An amount or currency that does not match the order never marks it paid.
    """
    order = db.session.get(Order, uuid.UUID(update.order_id))
    if order is None:
        raise LookupError(f"no order {update.order_id}")
    target = OUTCOME_TO_STATUS.get(update.outcome)
    if target is None:
        return order
    if target == OrderStatus.PAID and (
        update.amount_cents != order.amount_cents or update.currency != order.currency
    ):
        log.warning("payment for order %s does not match its amount; not marked paid", order.id)
        return order
    changes: dict[str, object] = {}
    if target == OrderStatus.FAILED:
        changes["failure_reason"] = update.reason
    try:
        return transition_order(order.id, target, update.reason, **changes)
    except TransitionRefused:
        # Late or reordered news (e.g. a rejection after the order expired): keep
        # the state the table already settled on.
        log.info("order %s: %s ignored in state %s", order.id, update.outcome, order.status)
        db.session.refresh(order)
        return order
