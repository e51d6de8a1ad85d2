"""The background processes: `flask worker` delivers the outbox, `flask clock` runs the
scheduled jobs (reconciliation every few seconds, the retention purge at night).

The pages only read, so the clock is what moves an order whose hold has passed, and the
worker what sends the confirmation of an order paid meanwhile.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from app.jobs.clock import run_due
from app.jobs.models import JobRun
from app.jobs.schedule import Job
from app.orders.models import Order
from app.paths import PROJECT_ROOT
from app.timeutil import utcnow
from tests.integration.helpers import check_out, messages, only_order, pay_by_demo_card


def test_an_interval_job_runs_once_per_turn_whichever_clock_asks(db):
    runs: list[str] = []
    job = Job("count", lambda: runs.append("ran"), every=timedelta(minutes=5))
    assert run_due([job], "clock-a") == ["count"]
    # Another clock, and the first one again, within the same five minutes: not due.
    assert run_due([job], "clock-b") == []
    assert run_due([job], "clock-a") == []
    assert runs == ["ran"]
    row = db.session.get(JobRun, "count")
    assert row.locked_until is None and row.last_error is None
    row.last_run_at = utcnow() - timedelta(minutes=6)
    db.session.commit()
    assert run_due([job], "clock-b") == ["count"]
    assert runs == ["ran", "ran"]


def test_two_clocks_at_once_run_a_job_once(db, app):
    runs: list[str] = []
    started = threading.Event()

    def slow() -> None:
        runs.append("ran")
        started.set()
        time.sleep(0.5)

    job = Job("slow", slow, every=timedelta(minutes=5))

    def other_clock() -> None:
        started.wait(5)
        with app.app_context():
            assert run_due([job], "clock-b") == []

    other = threading.Thread(target=other_clock)
    other.start()
    assert run_due([job], "clock-a") == ["slow"]
    other.join()
    assert runs == ["ran"]


def test_a_daily_job_waits_for_its_lisbon_hour_and_runs_once_that_day():
    job = Job("nightly", lambda: None, daily_at=clock_time(3, 30))
    # 02:00 in Lisbon (winter: UTC+0): not yet.
    assert job.due_before(datetime(2026, 12, 1, 2, 0, tzinfo=UTC)) is None
    due = job.due_before(datetime(2026, 12, 1, 4, 0, tzinfo=UTC))
    assert due == datetime(2026, 12, 1, 3, 30, tzinfo=UTC)
    # Summer time: 03:30 in Lisbon is 02:30 UTC.
    summer = job.due_before(datetime(2026, 7, 1, 3, 0, tzinfo=UTC))
    assert summer == datetime(2026, 7, 1, 2, 30, tzinfo=UTC)


def test_a_failing_job_is_noted_and_the_others_still_run(db, caplog):
    runs: list[str] = []

    def fails() -> None:
        raise RuntimeError("provider down for ana@example.pt")

    jobs = [
        Job("fails", fails, every=timedelta(minutes=1)),
        Job("works", lambda: runs.append("ran"), every=timedelta(minutes=1)),
    ]
    with caplog.at_level(logging.ERROR):
        assert run_due(jobs, "clock-a") == ["fails", "works"]
    assert runs == ["ran"]
    failed = db.session.get(JobRun, "fails")
    assert failed.last_error.startswith("RuntimeError: provider down")
    assert "ana@example.pt" not in failed.last_error
    assert "scheduled job 'fails' failed" in caplog.text


def _start(command: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", command],
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, output
    return output


def test_the_clock_expires_holds_and_the_worker_delivers_and_both_stop_on_sigterm(
    client, db, database_url: str, event_file: Path, tmp_path: Path
):
    check_out(client, payment_method="mb_way", email="late@example.pt", checkout_key="w-1")
    waiting = only_order()
    waiting.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    pay_by_demo_card(client)
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "EVENT_DATA_FILE": str(event_file),
        "MAIL_DIR": str(tmp_path / "mail"),
        "PAYMENT_RECONCILE_SECONDS": "0.5",
    }
    clock, worker = _start("clock", env), _start("worker", env)
    try:
        deadline = time.monotonic() + 20
        expired = sent = False
        while time.monotonic() < deadline and not (expired and sent):
            time.sleep(0.1)
            db.session.rollback()
            expired = db.session.get(Order, waiting.id).status == "expired"
            sent = [m.status for m in messages("email")] == ["delivered"]
        assert expired, "the clock never expired the overdue hold"
        assert sent, "the worker never sent the paid order's confirmation"
    finally:
        clock_output, worker_output = _stop(clock), _stop(worker)
    assert "clock stopped" in clock_output
    assert "worker stopped" in worker_output
    assert list((tmp_path / "mail").glob("*.eml"))
