"""The outbox worker: takes due messages, delivers them, retries with backoff.

A message is taken under a lease (`leased_until`) in a short transaction that commits
before delivery starts, so no row stays locked while an outside system answers. If
the worker dies mid-batch the lease runs out and another worker (or the same one,
restarted) takes the message again, so nothing is lost; receivers get the message's
idempotency key to recognise a repeat.

PostgreSQL: several workers at once, each taking different rows (`FOR UPDATE SKIP
LOCKED`). SQLite: taking is serialized by `BEGIN IMMEDIATE`; run a single worker.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError

from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.outbox.adapters import build_adapters
from app.outbox.adapters.base import Adapter
from app.outbox.composers import compose
from app.outbox.errors import DeliveryFailed, NothingToSend
from app.outbox.models import SEALED_FIELD, OutboxMessage, OutboxStatus
from app.personal_data.masking import mask_personal_data
from app.stopping import Backoff, note_fault
from app.timeutil import utcnow

log = logging.getLogger(__name__)


def adapters() -> dict[str, Adapter]:
    """The app's adapters, built once."""
    built = current_app.extensions.get("outbox_adapters")
    if built is None:
        built = build_adapters(current_app.config)
        current_app.extensions["outbox_adapters"] = built
    return built


def backoff_seconds(attempt: int, base: float, retry_after: float | None = None) -> float:
    """Wait before the next try: base * 2**(attempt-1), ±25 % jitter, never before Retry-After."""
    delay = base * 2 ** max(0, attempt - 1)
    delay *= random.uniform(0.75, 1.25)  # noqa: S311 (spreading retries, not secrets)
    return max(delay, retry_after or 0.0)


def claim(batch: int) -> list[int]:
    """Take up to `batch` due messages under a lease; returns their ids."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    begin_locking_transaction()
    due = db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            or_(OutboxMessage.leased_until.is_(None), OutboxMessage.leased_until < now),
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for message in due:
        message.leased_until = now + lease
        # Counted when taken, so a message that kills its worker still runs out of tries.
        message.attempts += 1
    db.session.commit()
    return [message.id for message in due]


def _finish(message_id: int, outcome: str, error: str | None, retry_after: float | None) -> None:
    begin_locking_transaction()
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if message is None or message.status != OutboxStatus.PENDING:
        db.session.rollback()
        return
    config = current_app.config
    message.leased_until = None
    message.last_error = error[:500] if error else None
    now = utcnow()
    if outcome in (OutboxStatus.DELIVERED, OutboxStatus.SKIPPED, OutboxStatus.DEAD):
        message.status = outcome
        message.finished_at = now
        if outcome != OutboxStatus.DEAD and SEALED_FIELD in (message.payload or {}):
            # An erased person's address was only carried to be used once.
            message.payload = {k: v for k, v in message.payload.items() if k != SEALED_FIELD}
    elif message.attempts >= config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.DEAD
        message.finished_at = now
        message.last_error = f"gave up after {message.attempts} attempts: {error}"[:500]
    else:
        wait = backoff_seconds(message.attempts, config["OUTBOX_BACKOFF_SECONDS"], retry_after)
        message.next_attempt_at = now + timedelta(seconds=wait)
    db.session.commit()


def deliver(message_id: int) -> str:
    """Deliver one taken message and record what happened; returns the outcome."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        return "missing"
    adapter = adapters().get(message.channel)
    error: str | None = None
    retry_after: float | None = None
    if adapter is None:
        outcome, error = OutboxStatus.DEAD, f"no adapter for channel {message.channel!r}"
    elif not adapter.enabled:
        outcome = OutboxStatus.SKIPPED
    else:
        try:
            adapter.deliver(message, compose(message))
            outcome = OutboxStatus.DELIVERED
        except NothingToSend as exc:
            outcome, error = OutboxStatus.SKIPPED, str(exc)
        except DeliveryFailed as exc:
            outcome = OutboxStatus.DEAD if exc.permanent else "retry"
            error, retry_after = exc.reason, exc.retry_after
        except Exception as exc:  # a bug in an adapter must not stop the worker
            log.exception("outbox message %s: unexpected error", message_id)
            # Kept on the message and shown by `outbox status`: no personal data in it.
            outcome, error = "retry", mask_personal_data(f"{type(exc).__name__}: {exc}")
    channel, kind, request_id = message.channel, message.kind, message.request_id
    db.session.rollback()
    _finish(message_id, outcome, error, retry_after)
    if error:
        log.warning(
            "outbox %s %s/%s: %s (%s)",
            message_id,
            channel,
            kind,
            outcome,
            error,
            # The request that queued it: its log lines carry the same id.
            extra={"request_id": request_id},
        )
    return outcome


def run_once(batch: int = 20) -> dict[str, int]:
    """Take one batch and deliver it; returns outcome counts."""
    counts: dict[str, int] = {}
    for message_id in claim(batch):
        outcome = deliver(message_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def work(
    *,
    batch: int = 20,
    idle_seconds: float = 1.0,
    stop: threading.Event | None = None,
    until_idle: bool = False,
) -> dict[str, int]:
    """Deliver until `stop` is set (or, with until_idle, until nothing is due)."""
    stop = stop or threading.Event()
    totals: dict[str, int] = {}
    backoff = Backoff()
    while not stop.is_set():
        try:
            counts = run_once(batch)
        except SQLAlchemyError as error:
            # The database is locked or away: nothing is lost (leases run out, messages
            # stay pending); wait, longer each time, and try again.
            db.session.rollback()
            wait = backoff.next_wait()
            note_fault(log, "outbox worker", error, wait)
            stop.wait(wait)
            continue
        backoff.reset()
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        if not counts:
            if until_idle:
                break
            stop.wait(idle_seconds)
    return totals


@dataclass(frozen=True)
class OutboxReport:
    counts: dict[str, int]
    retrying: int
    recent_errors: list[tuple[int, str, str, int, str]]


def report(errors: int = 5) -> OutboxReport:
    """Counts by status, how many are waiting for a retry, and the latest errors."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
    ).all()
    counts: dict[str, Any] = {status: 0 for status in OutboxStatus}
    counts.update({status: count for status, count in rows})
    retrying = (
        db.session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.attempts > 0
            )
        )
        or 0
    )
    recent = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.channel,
            OutboxMessage.kind,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
        )
        .where(OutboxMessage.last_error.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(errors)
    ).all()
    return OutboxReport(counts, retrying, [tuple(row) for row in recent])
