"""Handing a placed order to the provider, and keeping what the provider made for it."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from app.extensions import db
from app.orders.models import Order
from app.orders.moves import lock_order
from app.payments.provider import Outcome, PaymentProviderError, PaymentUpdate
from app.payments.registry import provider_of
from app.payments.settlement import apply_payment_update
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)


def start_payment(order: Order, *, return_url: str) -> str | None:
    """Start the order's payment at the provider; returns where the buyer goes next.

    None means the order page, which waits for the payment. When the provider refuses
    or cannot be reached, the order fails with the reason (its seat is released,
    nothing was charged) and the order page offers a retry. Commits.
    """
    provider = provider_of(order)
    absolute_return = current_app.config["BASE_URL"] + return_url
    try:
        if provider is None:
            # Placed for a provider the shop stopped using between the form and now.
            raise PaymentProviderError("provider_unavailable", f"{order.provider} is not in use")
        start = provider.start_payment(order, return_url=absolute_return)
    except PaymentProviderError as exc:
        log.warning("order %s: payment could not start (%s)", order.id, exc)
        db.session.rollback()
        apply_payment_update(
            PaymentUpdate(str(order.id), Outcome.FAILED, exc.code, attempt=order.attempt)
        )
        return None
    order = lock_order(order.id) or order
    order.provider_reference = start.provider_reference
    order.payment_intent_id = start.payment_intent_id
    order.payment_url = start.payment_url
    if start.multibanco is not None:
        order.multibanco_entity = start.multibanco.entity
        order.multibanco_reference = start.multibanco.reference
        # A Multibanco seat is held while its voucher can be paid, but at most
        # MULTIBANCO_HOLD_HOURS and never past the end of sales: a voucher must not keep
        # a seat from others for days. Reconciliation cancels the voucher when it ends.
        cap = utcnow() + timedelta(hours=current_app.config["MULTIBANCO_HOLD_HOURS"])
        order.expires_at = min(start.multibanco.expires_at, cap, as_utc(order.offer.sales_end))
    db.session.commit()
    if start.update is not None:
        apply_payment_update(start.update)
    return start.redirect_url
