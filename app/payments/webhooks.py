"""The provider-neutral part of webhook handling: lock, record once, dispatch, commit.

Each provider verifies its own webhooks (its routes) and says what each event type
does (its handler table). Here every verified event is applied in one transaction that
locks the order's row and stores the event id under a unique constraint, so a duplicate
delivery changes nothing, and concurrent or reordered deliveries end in the state the
order's table allows.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.orders.models import Order
from app.orders.moves import lock_order
from app.payments.models import WebhookEvent
from app.payments.provider import ProviderEvent

log = logging.getLogger(__name__)

# What one event type does to the order it is about; returns a line for the ledger.
Handler = Callable[[Order, dict[str, Any]], str]


def handle_event(
    provider: str,
    event: ProviderEvent,
    handlers: Mapping[str, Handler],
    order_id_for: Callable[[ProviderEvent], uuid.UUID | None],
) -> str:
    """Apply one verified event at most once; returns what it did (kept in the ledger)."""
    handler = handlers.get(event.type)
    order_id = order_id_for(event) if handler else None
    order = lock_order(order_id) if order_id else None
    if order is None:
        begin_locking_transaction()
    record = WebhookEvent(
        provider=provider,
        event_id=event.id,
        type=event.type[:64],
        order_id=order.id if order else None,
        result="",
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    if handler is None:
        result = "not handled"
    elif order is None:
        result = "no order"
    else:
        result = handler(order, event.data)
    record.result = result[:80]
    db.session.commit()
    log.info("webhook %s %s: %s", event.type, event.id, result)
    return result
