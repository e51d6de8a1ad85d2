"""Outbox messages: what must reach an outside system, written with the change that causes it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its first try, or for a retry
    DELIVERED = "delivered"
    DEAD = "dead"  # refused for good, or out of attempts: a person looks (outbox status)
    SKIPPED = "skipped"  # its channel is switched off (no credentials): kept, not lost


# A payload field that carries an encrypted address for one delivery (an erased person's,
# who exists nowhere else): the worker drops it once the message is delivered or skipped.
SEALED_FIELD = "sealed_email"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Where it goes (email, kit, crm, ga4) and what it is (order_confirmation, ...).
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(48))
    # Ids and facts, not rendered content: the worker renders with fresh data.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Unique: the same fact is queued once; receivers get it to spot repeats.
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    # The person the message is about (no foreign key: erasure unlinks it, and a
    # message about someone erased stays as a record of what was sent).
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A worker that took the message owns it until then; if it dies, it is taken again.
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    # The web request that queued it (X-Request-ID), to follow one buyer's trouble.
    request_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
