"""Fixtures for unit and integration tests: one app on a real, migrated database.

SQLite (a temporary file) by default; PostgreSQL when TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from flask_sqlalchemy import SQLAlchemy
from pytest_httpserver import HTTPServer

# An app built from the environment alone (a command, a worker) is a test app too. Set
# before the shop's modules load, as a deploy sets it before starting them.
os.environ.setdefault("APP_ENV", "test")

from app.assets import MANIFEST, build_assets
from app.landing.preview_image import PREVIEWS_MANIFEST, build_previews
from tests.ifthenpay_double import SPLIT_METHODS, IfthenpayDouble, ifthenpay_settings
from tests.stripe_double import WEBHOOK_SECRET, StripeDouble
from tests.support import (
    app_settings,
    built_app,
    fresh_database,
    reset_schema,
    write_production_event,
    write_test_event,
)

MIGRATIONS = Path(__file__).resolve().parent.parent / "app" / "migrations"

MakeApp = Callable[..., AbstractContextManager[Flask]]


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
    return write_test_event(tmp_path_factory.mktemp("event") / "event.yaml")


@pytest.fixture(scope="session")
def production_event_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test event with real-looking company details, as production requires."""
    return write_production_event(tmp_path_factory.mktemp("event") / "production.yaml")


@pytest.fixture(scope="session")
def make_app(database_url: str, event_file: Path) -> MakeApp:
    """Another shop on the test database: `with make_app(GTM_ID="GTM-X") as shop:`.

    It starts from the settings every test app shares (`app_settings`); the keyword
    arguments add to or replace them.
    """

    def make(**overrides: Any) -> AbstractContextManager[Flask]:
        return built_app(app_settings(database_url, event_file, **overrides))

    return make


@pytest.fixture(scope="session")
def app(database_url: str, make_app: MakeApp, event_file: Path) -> Iterator[Flask]:
    if not MANIFEST.exists():
        build_assets()
    # The test event is the real one a month ahead: same title, date label and venue.
    if not PREVIEWS_MANIFEST.exists():
        build_previews(event_file)
    reset_schema(database_url)
    with make_app() as application:
        with application.app_context():
            upgrade(directory=str(MIGRATIONS))
        yield application


@pytest.fixture
def db(app: Flask, event_file: Path) -> Iterator[SQLAlchemy]:
    """A clean database with the test event loaded, inside an app context."""
    with fresh_database(app, event_file) as database:
        yield database


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
def stripe_app_settings(make_httpserver: HTTPServer) -> dict[str, str]:
    """What makes a test app take payments through the Stripe double."""
    return {
        "PAYMENT_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": "sk_test_double",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": make_httpserver.url_for("/").rstrip("/"),
    }


@pytest.fixture(scope="session")
def stripe_app(app, make_app: MakeApp, stripe_app_settings: dict[str, str]) -> Iterator[Flask]:
    """A second app on the same database, taking payments through the Stripe double."""
    with make_app(**stripe_app_settings) as application:
        yield application


@pytest.fixture
def stripe(make_httpserver: HTTPServer) -> Iterator[StripeDouble]:
    """The Stripe double, fresh for each test."""
    double = StripeDouble(make_httpserver)
    yield double
    make_httpserver.clear()


@pytest.fixture
def stripe_db(stripe_app: Flask, event_file: Path, stripe) -> Iterator[SQLAlchemy]:
    """A clean database with the test event, inside the Stripe app's context."""
    with fresh_database(stripe_app, event_file) as database:
        yield database


@pytest.fixture
def stripe_client(stripe_app, stripe_db):
    """A browser on the Stripe-backed shop, carrying real CSRF tokens."""
    stripe_app.config["WTF_CSRF_ENABLED"] = True
    return stripe_app.test_client()


# -- ifthenpay beside Stripe, each played by a local HTTP server ----------------------


@pytest.fixture(scope="session")
def ifthenpay_server() -> Iterator[HTTPServer]:
    """ifthenpay's own address (Stripe's double answers every path on its server)."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture(scope="session")
def ifthenpay_app(
    app, make_app: MakeApp, stripe_app_settings: dict[str, str], ifthenpay_server: HTTPServer
) -> Iterator[Flask]:
    """A shop on the test database taking card through Stripe and MB WAY and Multibanco
    through ifthenpay (both doubles)."""
    settings = {
        **stripe_app_settings,
        **ifthenpay_settings(ifthenpay_server.url_for("/ifthenpay")),
        "PAYMENT_METHODS": SPLIT_METHODS,
        # A gateway that hangs is given up on after a second, not fifteen.
        "IFTHENPAY_TIMEOUT_SECONDS": 1,
    }
    with make_app(**settings) as application:
        yield application


@pytest.fixture
def ifthenpay(ifthenpay_server: HTTPServer) -> Iterator[IfthenpayDouble]:
    """The ifthenpay double, fresh for each test."""
    double = IfthenpayDouble(ifthenpay_server)
    yield double
    ifthenpay_server.clear()


@pytest.fixture
def ifthenpay_client(ifthenpay_app: Flask, event_file: Path, ifthenpay, stripe):
    """A browser on the split shop (clean database, real CSRF tokens)."""
    with fresh_database(ifthenpay_app, event_file):
        ifthenpay_app.config["WTF_CSRF_ENABLED"] = True
        yield ifthenpay_app.test_client()


@pytest.fixture(scope="session")
def gtm_app(app, make_app: MakeApp) -> Iterator[Flask]:
    """The shop with a Google Tag Manager container configured (GTM-TEST123)."""
    with make_app(GTM_ID="GTM-TEST123") as application:
        yield application


@pytest.fixture
def gtm_client(gtm_app: Flask, event_file: Path):
    """A browser on the GTM-configured shop, with a clean database and real CSRF tokens."""
    with fresh_database(gtm_app, event_file):
        yield gtm_app.test_client()
