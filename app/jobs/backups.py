"""Backups of the database, kept 7 daily and 4 weekly, and restoring one into an empty
database.

SQLite is copied with its online backup API (consistent while the shop runs);
PostgreSQL with `pg_dump --format=custom` and restored with `pg_restore`. Personal data
stays encrypted inside a backup: it is only readable with the same DATA_KEYS, which must
never be kept beside the backups (docs/operations/backups.md).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from app.extensions import db
from app.timeutil import utcnow

PREFIX = "cafe-com-vendas-"
KEEP_DAILY = 7
KEEP_WEEKLY = 4


class BackupError(RuntimeError):
    """A backup or a restore could not be made; the message says why."""


def _database_url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq(url: URL) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")


def create_backup(folder: Path) -> Path:
    """Write one backup file into `folder` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    url = _database_url()
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    if url.get_backend_name() == "sqlite":
        target = folder / f"{PREFIX}{stamp}.sqlite3"
        with sqlite3.connect(url.database) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return target
    target = folder / f"{PREFIX}{stamp}.dump"
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url)])
    return target


def _is_empty() -> bool:
    return not [name for name in inspect(db.engine).get_table_names() if name != "sqlite_sequence"]


def restore_backup(backup: Path) -> None:
    """Restore `backup` into the app's database, which must be empty (no tables)."""
    if not backup.is_file():
        raise BackupError(f"no backup file at {backup}")
    if not _is_empty():
        raise BackupError("the database is not empty: restore only into a new, empty one")
    url = _database_url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(backup) as source, sqlite3.connect(url.database) as target:
            source.backup(target)
        return
    _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(url)}", str(backup)])


def _taken_at(path: Path) -> datetime | None:
    stamp = path.stem.removeprefix(PREFIX)
    try:
        return datetime.strptime(stamp, "%Y%m%d-%H%M%S")
    except ValueError:
        return None


def rotate(folder: Path) -> list[Path]:
    """Keep the newest backup of each of the last 7 days and of the last 4 weeks; delete
    the other backups this shop made there. Returns the deleted files."""
    backups = sorted(
        (taken, path) for path in folder.glob(f"{PREFIX}*") if (taken := _taken_at(path))
    )
    keep: set[Path] = set()
    for grouping, count in (
        (lambda t: t.date(), KEEP_DAILY),
        (lambda t: t.isocalendar()[:2], KEEP_WEEKLY),
    ):
        newest: dict[object, Path] = {}
        for taken, path in backups:
            newest[grouping(taken)] = path
        keep.update(list(newest.values())[-count:])
    deleted = [path for _, path in backups if path not in keep]
    for path in deleted:
        path.unlink()
    return deleted
