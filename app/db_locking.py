"""Row locks that work on PostgreSQL and SQLite alike.

PostgreSQL takes `SELECT ... FOR UPDATE`. SQLite has no row locks, so a locking
transaction starts with `BEGIN IMMEDIATE`, which takes the database's write lock up
front: two such transactions run one after the other instead of interleaving.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from app.extensions import db

IMMEDIATE_OPTION = "sqlite_begin_immediate"


def configure_sqlite(engine: Engine) -> None:
    """Take over SQLite's transaction handling so BEGIN IMMEDIATE is possible."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite would otherwise issue its own BEGIN at a moment it chooses.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_locking_transaction() -> None:
    """End the session's current transaction and start one that may lock rows.

    Call it before `select(...).with_for_update()`; on SQLite the new transaction
    holds the write lock from its first statement.
    """
    db.session.commit()
    db.session.connection(execution_options={IMMEDIATE_OPTION: True})
