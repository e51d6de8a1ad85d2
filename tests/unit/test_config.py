import pytest

from app.config import ConfigurationError, load_settings


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings({"APP_ENV": "production", "PAYMENT_PROVIDER": "stripe"})


def test_production_never_runs_the_demo_provider():
    with pytest.raises(ConfigurationError, match="demo"):
        load_settings({"APP_ENV": "production", "SECRET_KEY": "x" * 40})
    with pytest.raises(ConfigurationError, match="demo"):
        load_settings({"APP_ENV": "production", "SECRET_KEY": "x" * 40, "PAYMENT_PROVIDER": "demo"})


def test_defaults_are_sqlite_and_demo(tmp_path, monkeypatch):
    settings = load_settings({"APP_ENV": "test"})
    assert settings.payment_provider == "demo"
    assert settings.database_url.startswith("sqlite:///")


def test_postgres_urls_use_psycopg_3():
    settings = load_settings({"APP_ENV": "test", "DATABASE_URL": "postgres://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_production_cookies_are_secure():
    settings = load_settings(
        {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "PAYMENT_PROVIDER": "stripe"}
    )
    config = settings.as_flask_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
