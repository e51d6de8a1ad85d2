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
        {
            "APP_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "STRIPE_SECRET_KEY": "sk_live_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
        }
    )
    config = settings.as_flask_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"


def test_two_stripe_variables_switch_from_the_demo_to_stripe():
    settings = load_settings(
        {"APP_ENV": "test", "STRIPE_SECRET_KEY": "sk_test_1", "STRIPE_WEBHOOK_SECRET": "whsec_1"}
    ).as_flask_config()
    assert settings["PAYMENT_PROVIDER"] == "stripe"
    assert settings["STRIPE_SECRET_KEY"] == "sk_test_1"
    assert settings["STRIPE_WEBHOOK_SECRET"] == "whsec_1"


def test_stripe_needs_its_key_and_in_production_its_webhook_secret():
    with pytest.raises(ConfigurationError, match="STRIPE_SECRET_KEY"):
        load_settings({"APP_ENV": "test", "PAYMENT_PROVIDER": "stripe"})
    with pytest.raises(ConfigurationError, match="STRIPE_WEBHOOK_SECRET"):
        load_settings(
            {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "STRIPE_SECRET_KEY": "sk_live_x"}
        )
