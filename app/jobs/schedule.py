"""The scheduled jobs and when each is due: every few seconds, or daily at a Lisbon hour.

`flask clock` runs them (app/jobs/clock.py). A job that fails is logged, noted on its row
and tried again at its next turn: it never stops the clock or the other jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from flask import current_app

from app.jobs.backups import create_backup, rotate
from app.monitoring.alerts import raise_alerts
from app.orders.freed_seats import offer_freed_seats
from app.payments.reconcile import reconcile
from app.privacy.retention import purge
from app.timeutil import LISBON, to_lisbon

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    # Either every so often, or once a day at a Lisbon wall-clock time.
    every: timedelta | None = None
    daily_at: time | None = None
    # How long a clock may hold it before another may take it over.
    lease: timedelta = timedelta(minutes=10)

    def due_before(self, now: datetime) -> datetime | None:
        """The job is due if it last ran before this moment; None when it is not due at all."""
        if self.every is not None:
            return now - self.every + timedelta(microseconds=1)
        assert self.daily_at is not None
        local = to_lisbon(now)
        today_at = datetime.combine(local.date(), self.daily_at, tzinfo=LISBON)
        # Before today's hour nothing is due; after it, a run before that hour is stale.
        return today_at if local >= today_at else None


def reconcile_payments() -> None:
    result = reconcile()
    if result.expired or result.closed or result.settled:
        log.info(
            "reconciled: %d expired, %d payments closed, %d settled after a read",
            result.expired,
            result.closed,
            result.settled,
        )


def offer_seats_to_the_waiting_list() -> None:
    turn = offer_freed_seats()
    if turn.offered or turn.passed:
        log.info(
            "waiting list: %d seats offered, %d held seats passed on", turn.offered, turn.passed
        )


def purge_personal_data() -> None:
    for line in purge().lines():
        log.info("retention: %s", line)


def back_up_database() -> None:
    folder = Path(current_app.config["BACKUP_DIR"])
    made = create_backup(folder)
    deleted = rotate(folder)
    log.info("backup written: %s (%d old ones rotated out)", made.name, len(deleted))


def clock_jobs() -> list[Job]:
    """What `flask clock` runs, and when."""
    config = current_app.config
    backups = (
        # Before the purge, so last night's state is kept for a week.
        [Job("database backup", back_up_database, daily_at=time(2, 30), lease=timedelta(hours=1))]
        if config["BACKUP_DIR"]
        else []
    )
    return [
        *backups,
        Job(
            "reconcile payments",
            reconcile_payments,
            every=timedelta(seconds=config["PAYMENT_RECONCILE_SECONDS"]),
            lease=timedelta(minutes=2),
        ),
        Job("alerts", raise_alerts, every=timedelta(minutes=1), lease=timedelta(minutes=2)),
        Job(
            "waiting list",
            offer_seats_to_the_waiting_list,
            every=timedelta(minutes=1),
            lease=timedelta(minutes=2),
        ),
        # At night in Lisbon, when nobody is buying.
        Job("retention purge", purge_personal_data, daily_at=time(3, 30), lease=timedelta(hours=1)),
    ]
