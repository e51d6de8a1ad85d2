"""Alerts a small team will see: an email to ALERT_EMAIL, at most one per kind an hour.

The clock looks every minute (app/jobs/schedule.py). What it looks for, over the last
hour: a message the outbox gave up on, webhooks failing again and again, an order a
person must review; and now: an outbox falling behind, Redis out of reach (the rate
limits then count per process). Alerts name what happened, never a customer.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import delete, func, select

from app.extensions import db
from app.monitoring.readiness import OUTBOX_LAG_LIMIT, outbox_lag, redis_state
from app.orders.models import Order
from app.outbox.mail import new_email
from app.outbox.models import OutboxMessage, OutboxStatus
from app.outbox.services import enqueue
from app.timeutil import utcnow
from app.web.webhook_failures import WebhookFailure

log = logging.getLogger(__name__)

WEBHOOK_FAILURES_PER_HOUR = 5
HOUR = timedelta(hours=1)

SUBJECTS = {
    "dead_message": "An outbox message could not be delivered",
    "webhook_failures": "Webhooks keep failing",
    "order_to_review": "An order needs a person to look at it",
    "outbox_lag": "The outbox is falling behind",
    "redis_down": "Redis cannot be reached: rate limits count per process",
}


def _count(query) -> int:
    return db.session.scalar(query) or 0


def findings() -> dict[str, str]:
    """Each alert kind that applies now, with a line saying what was seen."""
    since = utcnow() - HOUR
    found: dict[str, str] = {}
    dead = _count(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status == OutboxStatus.DEAD, OutboxMessage.finished_at >= since
        )
    )
    if dead:
        found["dead_message"] = (
            f"{dead} message(s) given up on in the last hour (flask outbox status)"
        )
    failures = _count(select(func.count(WebhookFailure.id)).where(WebhookFailure.at >= since))
    if failures >= WEBHOOK_FAILURES_PER_HOUR:
        found["webhook_failures"] = f"{failures} webhooks refused or failed in the last hour"
    flagged = _count(
        select(func.count(Order.id)).where(
            Order.review_reason.is_not(None), Order.updated_at >= since
        )
    )
    if flagged:
        found["order_to_review"] = (
            f"{flagged} order(s) flagged in the last hour (flask orders review)"
        )
    lag = outbox_lag()
    if lag > OUTBOX_LAG_LIMIT:
        found["outbox_lag"] = (
            f"the oldest message has waited {int(lag.total_seconds() // 60)} minutes"
        )
    if redis_state() == "error":
        found["redis_down"] = "Redis did not answer a ping"
    return found


def raise_alerts() -> list[str]:
    """Queue an alert email for each finding (one per kind per hour); returns the kinds."""
    found = findings()
    hour = utcnow().strftime("%Y%m%d%H")
    address = current_app.config.get("ALERT_EMAIL")
    for kind, detail in found.items():
        log.warning("alert %s: %s", kind, detail)
        if address:
            enqueue("email", "alert", {"kind": kind, "detail": detail}, f"alert:{kind}:{hour}")
    db.session.commit()
    # Failures older than a month have been counted and alerted on: they can go.
    db.session.execute(delete(WebhookFailure).where(WebhookFailure.at < utcnow() - 30 * 24 * HOUR))
    db.session.commit()
    return list(found)


def compose_alert(message: OutboxMessage) -> EmailMessage:
    """A plain email to the team: what was seen, and where to look."""
    kind = message.payload["kind"]
    email = new_email(
        message, "", current_app.config["ALERT_EMAIL"], f"[Café com Vendas] {SUBJECTS[kind]}"
    )
    email.set_content(
        f"{SUBJECTS[kind]}.\n\n{message.payload['detail']}\n\n"
        f"Seen at {message.created_at:%Y-%m-%d %H:%M} UTC. What to do: "
        "docs/operations/monitoring.md\n"
    )
    return email


COMPOSERS = {("email", "alert"): compose_alert}
