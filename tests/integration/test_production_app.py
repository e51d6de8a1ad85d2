"""The shop built from a production environment: a crash shows the localized page and
nothing else, the debugger cannot be turned on, and only the shop's own hosts are served."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app import create_app
from app.config import TEST_BLIND_INDEX_KEY, TEST_DATA_KEYS, ConfigurationError
from app.paths import PROJECT_ROOT
from tests.support import REAL_EVENT_FILE, built_app


@pytest.fixture
def production_env(monkeypatch, database_url, production_event_file):
    """The environment of a production deploy, on the test database."""
    values = {
        "APP_ENV": "production",
        "SECRET_KEY": "p" * 48,
        "STRIPE_SECRET_KEY": "sk_live_not_used",
        "STRIPE_WEBHOOK_SECRET": "whsec_not_used",
        "DATA_KEYS": TEST_DATA_KEYS,
        "BLIND_INDEX_KEY": TEST_BLIND_INDEX_KEY,
        "BASE_URL": "https://shop.example",
        "DATABASE_URL": database_url,
        # The test database may be SQLite, and no email is sent here.
        "ALLOW_SQLITE": "1",
        "MAIL_TO_FILES": "1",
        "EVENT_DATA_FILE": str(production_event_file),
        "RATELIMIT_ENABLED": "0",
        "WEB_CONCURRENCY": "1",
    }
    for key in ("FLASK_DEBUG", "TRUSTED_HOSTS", "TRUSTED_PROXY_HOPS"):
        monkeypatch.delenv(key, raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def test_production_answers_a_crash_with_the_localized_page_and_nothing_else(production_env, db):
    with built_app() as production:
        assert production.debug is False
        assert production.config["TRUSTED_HOSTS"] == ["shop.example"]

        def boom():
            raise RuntimeError("secret internals in /srv/app/payments.py line 42")

        production.add_url_rule("/boom", "boom", boom)
        production.add_url_rule("/en/boom", "boom_en", boom)
        client = production.test_client()
        for path, heading in (
            ("/boom", "Algo correu mal do nosso lado"),
            ("/en/boom", "Something went wrong on our side"),
        ):
            response = client.get(path, base_url="https://shop.example")
            assert response.status_code == 500
            assert heading in response.text
            for leak in ("Traceback", "RuntimeError", "secret internals", ".py", "/srv/"):
                assert leak not in response.text, leak

        # Only the shop's own name: not even localhost.
        assert client.get("/", base_url="https://localhost").status_code == 400
        assert client.get("/", base_url="https://shop.example").status_code == 200


def test_production_refuses_to_start_with_flask_debug_on(production_env, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigurationError, match="FLASK_DEBUG"):
        create_app()


def test_trusted_hosts_from_the_environment_replace_the_default(production_env, monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", "shop.example, www.shop.example")
    with built_app() as production:
        client = production.test_client()
        assert client.get("/", base_url="https://www.shop.example").status_code == 200
        assert client.get("/", base_url="https://cdn.shop.example").status_code == 400


def test_production_refuses_the_shipped_example_event_file(production_env, monkeypatch):
    monkeypatch.setenv("EVENT_DATA_FILE", str(REAL_EVENT_FILE))
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    message = str(refused.value)
    assert message.startswith("EVENT_DATA_FILE")
    assert "privacy.controller.tax_id" in message
    assert "community_url" in message


def test_a_refused_production_stops_before_serving_with_one_line(production_env):
    """What a platform sees when the settings are unsafe: one line, and a failed start."""
    env = {**os.environ, "DATABASE_URL": "sqlite:////tmp/shop.db", "ALLOW_SQLITE": ""}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "routes"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    [line] = [line for line in done.stderr.splitlines() if "DATABASE_URL" in line]
    assert line.startswith("refusing to start: DATABASE_URL must point at PostgreSQL")
    assert "Traceback" not in done.stderr
