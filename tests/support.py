"""Helpers shared by the test suites: a test event file, test apps and a clean database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, text

from app import create_app
from app.catalog.services import sync_catalog
from app.config import PROJECT_ROOT
from app.extensions import db
from app.timeutil import LISBON
from app.web.i18n import date_locale

REAL_EVENT_FILE = PROJECT_ROOT / "app" / "catalog" / "event.yaml"
TABLES = [
    "waitlist_offers",
    "waitlist_entries",
    "tickets",
    "event_revisions",
    "images",
    "webhook_failures",
    "audit_entries",
    "staff_sign_ins",
    "staff_members",
    "job_runs",
    "privacy_requests",
    "consent_records",
    "outbox_messages",
    "webhook_events",
    "order_status_changes",
    "invoice_documents",
    "orders",
    "discount_codes",
    "lead_changes",
    "leads",
    "customers",
    "offers",
    "events",
    "wording_overrides",
]


def app_settings(database_url: str, event_file: Path, **overrides: Any) -> dict[str, Any]:
    """The settings every test app starts from: the test database and event, no rate
    limits, links on http://shop.test; `overrides` add to or replace them."""
    return {
        "APP_ENV": "test",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "EVENT_DATA_FILE": str(event_file),
        "RATELIMIT_ENABLED": False,
        # Every test buys from 127.0.0.1: the open-orders cap has tests of its own.
        "OPEN_ORDERS_LIMIT": 1000,
        "BASE_URL": "http://shop.test",
        # A test changes seats or the catalog and looks at once: no second-old state.
        "PAGE_STATE_SECONDS": 0,
        **overrides,
    }


@contextmanager
def built_app(settings: dict[str, Any] | None = None) -> Iterator[Flask]:
    """The shop built from `settings` (from the environment without them), for as long
    as the block lasts.

    Its connection pool is closed at the end: an app left behind would hold PostgreSQL
    connections (and the locks of any open transaction) into the next test.
    """
    application = create_app(settings)
    try:
        yield application
    finally:
        with application.app_context():
            db.engine.dispose()


@contextmanager
def fresh_database(app: Flask, event_file: Path) -> Iterator[SQLAlchemy]:
    """Inside `app`'s context, a database holding only the test event; what the test
    left uncommitted is rolled back and its session closed at the end."""
    with app.app_context():
        empty_database(db)
        sync_catalog(event_file)
        try:
            yield db
        finally:
            db.session.rollback()
            db.session.remove()


def _local(dt: datetime) -> str:
    return dt.astimezone(LISBON).strftime("%Y-%m-%d %H:%M")


def write_test_event(path: Path, **offer_overrides: Any) -> Path:
    """The real event file, with the event a month ahead and every offer on sale now."""
    data = yaml.safe_load(REAL_EVENT_FILE.read_text(encoding="utf-8"))
    now = datetime.now(LISBON)
    start = (now + timedelta(days=30)).replace(hour=9, minute=30, second=0, microsecond=0)
    data["starts_at"] = _local(start)
    data["ends_at"] = _local(start + timedelta(hours=9))
    # The date people read names the same day (the catalog refuses one that does not).
    data["date_label"] = {
        lang: format_date(start, "full", locale=date_locale(lang)) for lang in ("pt_PT", "en")
    }
    for offer in data["offers"]:
        offer["sales_start"] = _local(now - timedelta(days=1))
        offer["sales_end"] = _local(start - timedelta(days=1))
        offer.update(offer_overrides.get(offer["slug"], {}))
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# What an operator puts in place of the shipped example values before going live.
REAL_LOOKING = {
    "community_url": "https://comunidade.cafecomvendas.pt",
    "tax_id": "513004050",
    "address": "Avenida da Liberdade 100, 1250-146 Lisboa, Portugal",
}


def write_production_event(path: Path) -> Path:
    """The test event with the example values replaced, as production requires."""
    write_test_event(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["community_url"] = REAL_LOOKING["community_url"]
    controller = data["privacy"]["controller"]
    controller["tax_id"] = REAL_LOOKING["tax_id"]
    controller["address"] = REAL_LOOKING["address"]
    for n, processor in enumerate(data["privacy"]["processors"]):
        if "exemplo" in processor["name"].lower():
            processor["name"] = f"Alojamento Lusitano {n}, Lda."
            processor["url"] = f"https://alojamento{n}.pt/privacidade"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def empty_database(database: SQLAlchemy) -> None:
    """Delete every row, children first, in one transaction."""
    database.session.rollback()
    with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                conn.execute(text(f"DELETE FROM {table}"))


def reset_schema(database_url: str) -> None:
    """Start PostgreSQL tests from an empty schema, so migrations build all of it."""
    if not database_url.startswith("postgresql"):
        return
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
