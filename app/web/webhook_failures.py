"""Counting webhooks refused or failed, whoever sent them (payment providers, Kit).

It sits below every feature so that payments and leads count their refusals in one
place: one metric and one table, which the hourly alert reads.
"""

from __future__ import annotations

import logging
from datetime import datetime

from prometheus_client import Counter
from sqlalchemy import String
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

log = logging.getLogger(__name__)

WEBHOOK_FAILURES = Counter(
    "shop_webhook_failures",
    "Webhooks refused or failed, by provider and reason.",
    ["provider", "reason"],
)


class WebhookFailure(db.Model):
    """A webhook refused (bad signature) or that failed while being applied: counted for
    the alert that tells the team when they pile up."""

    __tablename__ = "webhook_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who sent it: "stripe", "ifthenpay", "kit".
    provider: Mapped[str] = mapped_column(String(16))
    # "signature" (not from the sender), "malformed" (from it, but unreadable) or
    # "processing" (failed while applied).
    reason: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


def record_failure(provider: str, reason: str) -> None:
    """Count a refused or failed webhook (metrics, and the alert's hourly count); commits."""
    WEBHOOK_FAILURES.labels(provider, reason).inc()
    db.session.rollback()
    db.session.add(WebhookFailure(provider=provider, reason=reason))
    try:
        db.session.commit()
    except SQLAlchemyError:
        # The database is what failed: the metric and the log still tell of it.
        db.session.rollback()
        log.warning("webhook failure (%s, %s) could not be recorded", provider, reason)
