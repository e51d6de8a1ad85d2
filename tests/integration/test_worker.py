"""`flask worker`, the Procfile's worker: outbox deliveries and payment reconciliation.

The pages only read, so the worker is what moves an order whose hold has passed and
what sends the confirmation of an order paid meanwhile.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from app.jobs.schedule import Clock, Job
from app.orders.models import Order
from app.paths import PROJECT_ROOT
from app.timeutil import utcnow
from tests.integration.helpers import check_out, messages, only_order, pay_by_demo_card


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_clock_runs_each_job_when_due_and_survives_a_failing_one(app, db, caplog):
    runs: list[str] = []

    def fails() -> None:
        runs.append("fails")
        raise RuntimeError("provider down")

    time_now = FakeTime()
    clock = Clock(
        [Job("often", 5, lambda: runs.append("often")), Job("fails", 60, fails)], now=time_now
    )
    with caplog.at_level(logging.ERROR):
        clock.tick()
    assert runs == ["often", "fails"]
    assert "scheduled job 'fails' failed" in caplog.text
    time_now.now += 4
    clock.tick()
    assert runs == ["often", "fails"]  # nothing is due yet
    time_now.now += 1
    clock.tick()
    assert runs == ["often", "fails", "often"]
    time_now.now += 55
    clock.tick()
    assert runs == ["often", "fails", "often", "often", "fails"]


def test_the_worker_process_expires_holds_delivers_and_stops_on_sigterm(
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
    command = [sys.executable, "-m", "flask", "--app", "wsgi:app", "worker", "--idle", "0.1"]
    worker = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            db.session.rollback()
            expired = db.session.get(Order, waiting.id).status == "expired"
            sent = [m.status for m in messages("email")] == ["delivered"]
            if expired and sent:
                break
            time.sleep(0.1)
        assert expired, "the worker never expired the overdue hold"
        assert sent, "the worker never sent the paid order's confirmation"
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    assert worker.returncode == 0, output
    assert "worker stopped" in output
    assert list((tmp_path / "mail").glob("*.eml"))
