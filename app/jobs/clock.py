"""The clock: runs each scheduled job when it is due, once per turn across every clock."""

from __future__ import annotations

import logging
import os
import socket
import threading

from app.extensions import db
from app.jobs.schedule import Job
from app.jobs.turns import claim, finish
from app.personal_data.masking import mask_personal_data
from app.stopping import Backoff, note_fault
from app.timeutil import utcnow

log = logging.getLogger(__name__)


def holder_name() -> str:
    """Who holds a job: this machine and process, for whoever reads the job rows."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def run_due(jobs: list[Job], holder: str) -> list[str]:
    """Run every job that is due and free; returns the names of those run."""
    ran = []
    for job in jobs:
        started = utcnow()
        due_before = job.due_before(started)
        if due_before is None:
            continue
        db.session.rollback()
        if not claim(job.name, due_before=due_before, lease=job.lease, holder=holder):
            continue
        error = None
        try:
            job.run()
        except Exception as exc:  # a failing job waits for its next turn, the rest go on
            db.session.rollback()
            error = mask_personal_data(f"{type(exc).__name__}: {exc}")[:500]
            log.exception("scheduled job %r failed; it runs again at its next turn", job.name)
        finish(job.name, started_at=started, holder=holder, error=error)
        ran.append(job.name)
    return ran


def keep_time(jobs: list[Job], stop: threading.Event, tick_seconds: float = 1.0) -> None:
    """Run due jobs until `stop` is set, looking every `tick_seconds`."""
    holder = holder_name()
    backoff = Backoff()
    while not stop.is_set():
        try:
            run_due(jobs, holder)
        except Exception as error:  # the database locked or away: wait longer each time, go on
            db.session.rollback()
            wait = backoff.next_wait()
            note_fault(log, "the clock could not reach its jobs", error, wait)
            stop.wait(wait)
            continue
        backoff.reset()
        stop.wait(tick_seconds)
