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
            "DATA_KEYS": f"k1:{KEY_A}",
            "BLIND_INDEX_KEY": KEY_B,
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


# -- keys for personal data at rest -------------------------------------------------------

KEY_A = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
KEY_B = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
PRODUCTION_WITH_KEYS = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "REDIS_URL": "redis://cache:6379/2",
    "DATA_KEYS": f"k1:{KEY_A}",
    "BLIND_INDEX_KEY": KEY_B,
}


def test_production_refuses_to_start_without_encryption_keys():
    load_settings(PRODUCTION_WITH_KEYS)
    for missing in ("DATA_KEYS", "BLIND_INDEX_KEY"):
        environ = {key: value for key, value in PRODUCTION_WITH_KEYS.items() if key != missing}
        with pytest.raises(ConfigurationError, match=f"{missing} is required in production"):
            load_settings(environ)


def test_malformed_keys_are_refused_with_the_reason():
    short = KEY_A[:40]  # 30 bytes
    with pytest.raises(ConfigurationError, match="must be 32 bytes"):
        load_settings({"APP_ENV": "test", "DATA_KEYS": f"k1:{short}"})
    with pytest.raises(ConfigurationError, match="BLIND_INDEX_KEY must be 32 bytes"):
        load_settings({"APP_ENV": "test", "BLIND_INDEX_KEY": short})
    with pytest.raises(ConfigurationError, match="key id"):
        load_settings({"APP_ENV": "test", "DATA_KEYS": f"Key One:{KEY_A}"})
    with pytest.raises(ConfigurationError, match="base64url"):
        load_settings({"APP_ENV": "test", "DATA_KEYS": "k1:not*base64"})


def test_development_keeps_generated_keys_private_in_the_instance_folder(tmp_path, monkeypatch):
    from app import config

    monkeypatch.setattr(config, "INSTANCE_DIR", tmp_path)
    first = load_settings({"APP_ENV": "development"}).as_flask_config()
    again = load_settings({"APP_ENV": "development"}).as_flask_config()
    assert first["DATA_KEYS"] == again["DATA_KEYS"]
    assert first["BLIND_INDEX_KEY"] == again["BLIND_INDEX_KEY"]
    assert first["DATA_KEYS"] != config.TEST_DATA_KEYS
    for name in ("data_keys", "blind_index_key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
