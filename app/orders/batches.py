"""Scheduled jobs go through orders one at a time: one that fails is logged and skipped,
and the others are still handled (a bad row must not stop every run, every minute)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable

from app.extensions import db
from app.orders.models import Order

log = logging.getLogger(__name__)


def for_each_order(
    order_ids: Iterable[uuid.UUID], handle: Callable[[Order], bool], job: str
) -> int:
    """Call `handle` on each order still there; returns how many it said it handled."""
    handled = 0
    for order_id in order_ids:
        try:
            order = db.session.get(Order, order_id)
            if order is not None and handle(order):
                handled += 1
        except Exception:  # one order's fault is reported, never the whole run's
            db.session.rollback()
            log.exception("%s: order %s failed and was skipped", job, order_id)
    return handled
