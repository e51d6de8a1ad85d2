"""Applying moves of the order state machine under a row lock.

The vocabulary, used everywhere an order changes state:

- `lock_order(order_id)` starts a locking transaction and locks the order's row;
- `lock_for_move(order_id, target)` locks it and checks the table allows the move;
- `move(order, target, reason)` applies one move to an order the caller has locked;
- `commit_move(order_id, target, reason)` does both and commits.

The caller commits: every function here that takes a locked order leaves the
transaction open, so the move and whatever else the caller changes (an outbox message,
a webhook record) are committed together or not at all.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.customers.models import JourneyStage
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.orders.models import Order, OrderStatusChange, new_public_token
from app.orders.states import MoveRefused, OrderStatus, check_move
from app.timeutil import utcnow


def lock_order(order_id: uuid.UUID) -> Order | None:
    """Start a locking transaction and lock the order's row (FOR UPDATE / BEGIN IMMEDIATE)."""
    begin_locking_transaction()
    return db.session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def lock_for_move(order_id: uuid.UUID, target: OrderStatus) -> Order:
    """Lock the order and check the move; roll back and raise if it is missing or refused."""
    order = lock_order(order_id)
    if order is None:
        db.session.rollback()
        raise LookupError(f"no order {order_id}")
    try:
        check_move(order.status, target)
    except MoveRefused:
        db.session.rollback()
        raise
    return order


def move(order: Order, target: OrderStatus, reason: str, **changes: object) -> None:
    """Apply one move to a locked order and keep it in the order's history (caller commits).

    Raises MoveRefused when the table does not allow it; extra keyword arguments are
    written to the order in the same transaction.
    """
    check_move(order.status, target)
    db.session.add(
        OrderStatusChange(order=order, from_status=order.status, to_status=target, reason=reason)
    )
    order.status = target
    for key, value in changes.items():
        setattr(order, key, value)
    if target == OrderStatus.PAID:
        order.paid_at = utcnow()
        if order.customer is not None:
            order.customer.advance_journey(JourneyStage.PURCHASE)
        if not order.attendee_token:
            order.attendee_token = new_public_token()


def commit_move(order_id: uuid.UUID, target: OrderStatus, reason: str, **changes: object) -> Order:
    """Lock the order, apply one move and commit; raises MoveRefused if the table bars it."""
    order = lock_for_move(order_id, target)
    move(order, target, reason, **changes)
    db.session.commit()
    return order
