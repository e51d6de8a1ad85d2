"""A backup round trip on the test database (SQLite, or PostgreSQL in CI): orders and
encrypted personal data in, a backup file out, the database wiped, the backup restored,
and the same keys read the people back."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from app.customers.services import find_customer_by_email
from app.jobs.backups import PREFIX, rotate
from app.orders.models import Order
from tests.integration.helpers import pay_by_demo_card


def _wipe(database_url: str) -> None:
    """Drop everything, as a lost database would be."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            tables = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
            for (name,) in list(tables):
                if name != "sqlite_sequence":
                    conn.execute(text(f'DROP TABLE "{name}"'))
    engine.dispose()


def test_backup_wipe_restore_reads_the_people_back(app, client, db, database_url, tmp_path):
    pay_by_demo_card(client, email="ana@example.pt", name="Ana Reis")
    pay_by_demo_card(client, email="rita@example.pt", name="Rita Sousa", checkout_key="b-2")
    runner = app.test_cli_runner()

    made = runner.invoke(args=["backup", "create", str(tmp_path / "backups")])
    assert made.exit_code == 0, made.output
    backup = Path(made.output.strip())
    assert backup.parent == tmp_path / "backups" and backup.is_file()

    # Restoring over live data is refused.
    refused = runner.invoke(args=["backup", "restore", str(backup)])
    assert refused.exit_code != 0
    assert "not empty" in refused.output

    db.session.remove()
    db.engine.dispose()
    _wipe(database_url)
    restored = runner.invoke(args=["backup", "restore", str(backup)])
    assert restored.exit_code == 0, restored.output

    db.session.remove()
    assert db.session.query(Order).filter(Order.status == "paid").count() == 2
    ana = find_customer_by_email("ANA@example.pt")
    assert ana is not None and ana.name == "Ana Reis"
    assert find_customer_by_email("rita@example.pt").name == "Rita Sousa"


def test_rotation_keeps_seven_days_and_four_weeks(tmp_path):
    newest = datetime(2026, 11, 30, 2, 30)
    for day in range(40):
        for hour in (2, 14):  # two a day: only the newest of each day may stay
            taken = newest - timedelta(days=day) + timedelta(hours=hour - 2)
            (tmp_path / f"{PREFIX}{taken:%Y%m%d-%H%M%S}.dump").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not ours")
    rotate(tmp_path)
    kept = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(PREFIX))
    days = {name[len(PREFIX) : len(PREFIX) + 8] for name in kept}
    # The last seven days, plus the newest of each of the last four weeks.
    assert {f"{newest - timedelta(days=d):%Y%m%d}" for d in range(7)} <= days
    assert 7 <= len(kept) <= 11
    assert all(name.endswith("-143000.dump") for name in kept)
    assert (tmp_path / "notes.txt").exists()
    assert os.path.getsize(tmp_path / kept[0]) == 1
