"""Fixtures for unit and integration tests: one app on a real, migrated database.

SQLite (a temporary file) by default; PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("APP_ENV", "test")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def event_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.support import write_test_event

    return write_test_event(tmp_path_factory.mktemp("event") / "event.yaml")


@pytest.fixture(scope="session")
def app(database_url: str, event_file: Path, tmp_path_factory: pytest.TempPathFactory):
    from flask_migrate import upgrade

    from app import create_app
    from app.assets import MANIFEST, build_assets
    from tests.support import app_settings, reset_schema

    if not MANIFEST.exists():
        build_assets()
    reset_schema(database_url)
    application = create_app(app_settings(database_url, event_file))
    with application.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "app" / "migrations"))
    yield application
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture
def db(app, event_file: Path) -> Iterator:
    """A clean database with the test event loaded, inside an app context."""
    from app.catalog.services import sync_catalog
    from app.extensions import db as database
    from tests.support import empty_database

    with app.app_context():
        empty_database(database)
        sync_catalog(event_file)
        yield database
        database.session.rollback()
        database.session.remove()


@pytest.fixture
def client(app, db):
    app.config["WTF_CSRF_ENABLED"] = False
    yield app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture
def csrf_client(app, db):
    """A client that must carry real CSRF tokens, as a browser does."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


# -- Stripe, played by a local HTTP server -------------------------------------------


@pytest.fixture(scope="session")
def stripe_app(database_url: str, event_file: Path, app, make_httpserver):
    """A second app on the same database, taking payments through the Stripe double."""
    from app import create_app
    from tests.stripe_double import WEBHOOK_SECRET
    from tests.support import app_settings

    application = create_app(
        app_settings(
            database_url,
            event_file,
            PAYMENT_PROVIDER="stripe",
            STRIPE_SECRET_KEY="sk_test_double",
            STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
            STRIPE_API_BASE=make_httpserver.url_for("/").rstrip("/"),
        )
    )
    yield application
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture
def stripe(make_httpserver):
    """The Stripe double, fresh for each test."""
    from tests.stripe_double import StripeDouble

    double = StripeDouble(make_httpserver)
    yield double
    make_httpserver.clear()


@pytest.fixture
def stripe_db(stripe_app, event_file: Path, stripe) -> Iterator:
    """A clean database with the test event, inside the Stripe app's context."""
    from app.catalog.services import sync_catalog
    from app.extensions import db as database
    from tests.support import empty_database

    with stripe_app.app_context():
        empty_database(database)
        sync_catalog(event_file)
        yield database
        database.session.rollback()
        database.session.remove()


@pytest.fixture
def stripe_client(stripe_app, stripe_db):
    """A browser on the Stripe-backed shop, carrying real CSRF tokens."""
    stripe_app.config["WTF_CSRF_ENABLED"] = True
    return stripe_app.test_client()


@pytest.fixture(scope="session")
def gtm_app(database_url: str, event_file: Path, app):
    """The shop with a Google Tag Manager container configured (GTM-TEST123)."""
    from app import create_app
    from tests.support import app_settings

    application = create_app(app_settings(database_url, event_file, GTM_ID="GTM-TEST123"))
    yield application
    with application.app_context():
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture
def gtm_client(gtm_app, event_file: Path) -> Iterator:
    """A browser on the GTM-configured shop, with a clean database and real CSRF tokens."""
    from app.catalog.services import sync_catalog
    from app.extensions import db as database
    from tests.support import empty_database

    with gtm_app.app_context():
        empty_database(database)
        sync_catalog(event_file)
        yield gtm_app.test_client()
        database.session.rollback()
        database.session.remove()
