"""Queueing outbox messages in the same transaction as the change that causes them.

Callers add messages to the session they are about to commit; nothing here commits.
A page therefore never waits on an outside system: the worker delivers later.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.outbox.models import OutboxMessage, OutboxStatus
from app.timeutil import utcnow
from app.web.request_ids import current_request_id


def enqueue(
    channel: str,
    kind: str,
    payload: dict[str, Any],
    key: str,
    customer_id: int | None = None,
) -> OutboxMessage | None:
    """Add a message to the current transaction; a key already queued is not queued again.

    `customer_id` names the person it is about, for their export and their erasure.
    """
    pending = [
        obj
        for obj in db.session.new
        if isinstance(obj, OutboxMessage) and obj.idempotency_key == key
    ]
    if pending:
        return None
    with db.session.no_autoflush:
        exists = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        )
    if exists:
        return None
    message = OutboxMessage(
        channel=channel,
        kind=kind,
        payload=payload,
        idempotency_key=key,
        customer_id=customer_id,
        status=OutboxStatus.PENDING,
        next_attempt_at=utcnow(),
        request_id=current_request_id(),
    )
    db.session.add(message)
    return message


def retry_now(message: OutboxMessage) -> bool:
    """A waiting or dead message is tried again at the next turn of the worker (a dead one
    with its attempts counted afresh); the caller commits. False if it already ended."""
    if message.status not in (OutboxStatus.PENDING, OutboxStatus.DEAD):
        return False
    if message.status == OutboxStatus.DEAD:
        message.attempts = 0
    message.status = OutboxStatus.PENDING
    message.next_attempt_at = utcnow()
    message.finished_at = None
    return True


def skip(message: OutboxMessage, reason: str) -> bool:
    """A waiting or dead message is given up on purpose (kept, not sent); the caller
    commits. False if it already ended."""
    if message.status not in (OutboxStatus.PENDING, OutboxStatus.DEAD):
        return False
    message.status = OutboxStatus.SKIPPED
    message.finished_at = utcnow()
    message.last_error = reason[:500]
    return True
