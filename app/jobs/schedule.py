"""The jobs the worker process runs on a clock, between outbox batches.

A job that fails is logged and tried again at its next turn: it never stops the worker,
so deliveries go on while, say, the payment provider is unreachable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app

from app.extensions import db
from app.payments.reconcile import reconcile

log = logging.getLogger(__name__)


@dataclass
class Job:
    name: str
    every_seconds: float
    run: Callable[[], object]
    next_run: float = field(default=0.0)


def reconcile_payments() -> None:
    result = reconcile()
    if result.expired or result.closed or result.settled:
        log.info(
            "reconciled: %d expired, %d payments closed, %d settled after a read",
            result.expired,
            result.closed,
            result.settled,
        )


def worker_jobs() -> list[Job]:
    """What `flask worker` runs besides deliveries, and how often."""
    return [
        Job(
            "reconcile payments",
            current_app.config["PAYMENT_RECONCILE_SECONDS"],
            reconcile_payments,
        ),
    ]


class Clock:
    """Runs each job when its time has come; call `tick()` often."""

    def __init__(self, jobs: list[Job], now: Callable[[], float] = time.monotonic) -> None:
        self.jobs = jobs
        self.now = now

    def tick(self) -> None:
        for job in self.jobs:
            if self.now() < job.next_run:
                continue
            job.next_run = self.now() + job.every_seconds
            try:
                job.run()
            except Exception:  # a failing job must not stop deliveries
                db.session.rollback()
                log.exception(
                    "scheduled job %r failed; it runs again in %ss", job.name, job.every_seconds
                )
