"""Is this process ready to serve: the database with its schema, Redis when configured,
and an outbox that is not falling behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from flask import current_app
from sqlalchemy import func, select, text

from app.extensions import db
from app.outbox.models import OutboxMessage, OutboxStatus
from app.timeutil import as_utc, utcnow

# Waiting longer than this is a lag a person should hear of (alerts use it too).
OUTBOX_LAG_LIMIT = timedelta(minutes=10)


def outbox_lag() -> timedelta:
    """How long the oldest message due for delivery has been waiting (zero when none)."""
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    )
    return max(timedelta(0), utcnow() - as_utc(oldest)) if oldest else timedelta(0)


def _database() -> str:
    try:
        # The schema's revision row, not just a connection: an empty database is not ready.
        db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    except Exception:  # unreachable, or no schema: either way not ready
        db.session.rollback()
        return "error"
    return "ok"


def redis_state() -> str:
    """ "ok", "error" (configured but not answering) or "off" (not configured)."""
    # The rate limits' storage is where Redis is configured (REDIS_URL sets it).
    url = current_app.config["RATELIMIT_STORAGE_URI"]
    if not url.startswith("redis"):
        return "off"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except redis.RedisError:
        return "error"
    return "ok"


def readiness() -> tuple[dict[str, Any], bool]:
    """What /readyz answers, and whether the process is ready."""
    checks: dict[str, Any] = {"database": _database(), "redis": redis_state()}
    lag = outbox_lag() if checks["database"] == "ok" else None
    checks["outbox_lag_seconds"] = round(lag.total_seconds()) if lag is not None else None
    ready = (
        checks["database"] == "ok"
        and checks["redis"] != "error"
        and lag is not None
        and lag <= OUTBOX_LAG_LIMIT
    )
    return {"status": "ok" if ready else "not ready", **checks}, ready
