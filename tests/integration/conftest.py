"""Fixtures shared by integration tests that talk to outside services."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import redis
from pytest_httpserver import HTTPServer

from tests.http_doubles import Ga4Double, HubSpotDouble, KitDouble
from tests.integration.helpers import outbox_settings
from tests.integration.integrations import (
    GA4_ID,
    GA4_SECRET,
    HUBSPOT_TOKEN,
    KIT_KEY,
    SEQUENCE_ID,
)
from tests.integration.privacy_centre import HUBSPOT_TOKEN as PRIVACY_HUBSPOT_TOKEN
from tests.integration.privacy_centre import KIT_KEY as PRIVACY_KIT_KEY


@pytest.fixture(scope="module")
def outside_server() -> Iterator[HTTPServer]:
    # Threaded, so a request the test holds back does not stall the next attempt.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


# -- Kit, HubSpot and GA4, for the outbox tests ------------------------------------


@pytest.fixture
def services(outside_server: HTTPServer) -> Iterator[SimpleNamespace]:
    doubles = SimpleNamespace(
        kit=KitDouble(outside_server, KIT_KEY),
        hubspot=HubSpotDouble(outside_server, HUBSPOT_TOKEN),
        ga4=Ga4Double(outside_server),
    )
    yield doubles
    errors = list(outside_server.handler_errors)
    outside_server.clear()
    assert not errors, f"a double failed while answering: {errors}"


@pytest.fixture
def configure(app, db, services, tmp_path) -> Iterator[Callable[..., None]]:
    """Point the app's integrations at the doubles; `configure(KEY=value)` changes one.

    The worker builds its adapters from the app's settings once and keeps them; each
    call drops them, so the next delivery builds them afresh, as a restarted worker would.
    """
    base = {
        "KIT_API_KEY": KIT_KEY,
        "KIT_API_BASE": services.kit.base_url,
        "KIT_BUYER_SEQUENCE_ID": SEQUENCE_ID,
        "HUBSPOT_TOKEN": HUBSPOT_TOKEN,
        "HUBSPOT_API_BASE": services.hubspot.base_url,
        "GA4_MEASUREMENT_ID": GA4_ID,
        "GA4_API_SECRET": GA4_SECRET,
        "GA4_ENDPOINT": services.ga4.base_url,
        "MAIL_DIR": str(tmp_path / "mail"),
        "SMTP_URL": "",
        "OUTBOX_HTTP_TIMEOUT": 5.0,
        # Retries due almost at once, so a test sees several attempts quickly.
        "OUTBOX_BACKOFF_SECONDS": 0.01,
        "OUTBOX_MAX_ATTEMPTS": 8,
        "OUTBOX_LEASE_SECONDS": 60.0,
    }

    def apply(**overrides: Any) -> None:
        app.config.update({**base, **overrides})
        app.extensions.pop("outbox_adapters", None)

    with outbox_settings(app, **base):
        yield apply


@pytest.fixture
def shop(app, db, tmp_path, outside_server) -> Iterator[SimpleNamespace]:
    """The app delivering email to .eml files and Kit/HubSpot to local doubles."""
    kit = KitDouble(outside_server, PRIVACY_KIT_KEY)
    hubspot = HubSpotDouble(outside_server, PRIVACY_HUBSPOT_TOKEN)
    touched = {
        "MAIL_DIR": str(tmp_path / "mail"),
        "SMTP_URL": "",
        "KIT_API_KEY": PRIVACY_KIT_KEY,
        "KIT_API_BASE": kit.base_url,
        "HUBSPOT_TOKEN": PRIVACY_HUBSPOT_TOKEN,
        "HUBSPOT_API_BASE": hubspot.base_url,
        "OUTBOX_BACKOFF_SECONDS": 0.01,
    }
    with outbox_settings(app, **touched):
        yield SimpleNamespace(mail=tmp_path / "mail", kit=kit, hubspot=hubspot)
    errors = list(outside_server.handler_errors)
    outside_server.clear()
    assert not errors, errors


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis for the test: CI must have one (CI or REQUIRE_REDIS set fails here, as
    .ci/run does); a laptop without one skips, saying how to start it."""
    if not _redis_answers(REDIS_URL):
        message = f"Redis does not answer at {REDIS_URL} (start it: make redis)"
        required = (os.environ.get(name, "").lower() for name in ("CI", "REQUIRE_REDIS"))
        if any(value in {"1", "true", "yes"} for value in required):
            pytest.fail(message)
        pytest.skip(message)
    yield REDIS_URL
