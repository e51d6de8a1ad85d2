"""Whose turn it is: a clock claims a job's row before running it, so each job runs once
per turn however many clocks are running.

The claim is one UPDATE that succeeds only when the job is due and no live lease holds
it, which PostgreSQL and SQLite both apply atomically; a clock that dies mid-job loses
its lease when it runs out, and another clock takes the job at its next turn.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.jobs.models import JobRun
from app.timeutil import utcnow


def _ensure_row(name: str) -> None:
    if db.session.get(JobRun, name) is None:
        db.session.add(JobRun(name=name))
        try:
            db.session.commit()
        except IntegrityError:  # another clock made it first
            db.session.rollback()


def claim(name: str, *, due_before: datetime, lease: timedelta, holder: str) -> bool:
    """Take the job if it last ran before `due_before` and nobody holds it; commits."""
    _ensure_row(name)
    now = utcnow()
    taken = db.session.execute(
        update(JobRun)
        .where(
            JobRun.name == name,
            or_(JobRun.locked_until.is_(None), JobRun.locked_until < now),
            or_(JobRun.last_run_at.is_(None), JobRun.last_run_at < due_before),
        )
        .values(locked_until=now + lease, locked_by=holder)
    ).rowcount
    db.session.commit()
    return taken == 1


def finish(name: str, *, started_at: datetime, holder: str, error: str | None = None) -> None:
    """Give the job back, noting when this turn started and how it ended; commits."""
    db.session.rollback()
    db.session.execute(
        update(JobRun)
        .where(JobRun.name == name, JobRun.locked_by == holder)
        .values(locked_until=None, locked_by=None, last_run_at=started_at, last_error=error)
    )
    db.session.commit()
