import runpy

import pytest

from app import config as app_config
from app.config import PROJECT_ROOT, ConfigurationError, load_settings, web_workers
from app.payments.registry import build_providers, choose_providers

PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    # Production's other refusals: PostgreSQL, real email, an https address.
    "DATABASE_URL": "postgresql://shop@db:5432/shop",
    "SMTP_URL": "smtp://mail.test:587",
    "BASE_URL": "https://cafecomvendas.pt",
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    # Encryption at rest needs its own keys in production (any well-formed ones here).
    "DATA_KEYS": "k1:" + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
    "BLIND_INDEX_KEY": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8",
}


def provider_for(environ: dict[str, str]):
    """The payment providers an app started with this environment would run."""
    return build_providers(load_settings(environ).as_flask_config())


def chosen_provider(config) -> str:
    """The one provider serving every method (fails when methods are split)."""
    [name] = set(choose_providers(config).values())
    return name


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        load_settings({**PRODUCTION, "SECRET_KEY": ""})


def test_production_never_runs_the_demo_provider():
    production = {**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    del production["STRIPE_SECRET_KEY"]
    with pytest.raises(ConfigurationError, match="demo"):
        provider_for(production)
    with pytest.raises(ConfigurationError, match="demo"):
        provider_for({**production, "PAYMENT_PROVIDER": "demo"})


def test_an_unknown_provider_is_refused_with_the_known_ones():
    with pytest.raises(ConfigurationError, match="ifthenpay, stripe, demo"):
        provider_for({"APP_ENV": "test", "PAYMENT_PROVIDER": "paypal"})


def test_defaults_are_sqlite_and_demo(tmp_path, monkeypatch):
    settings = load_settings({"APP_ENV": "test"})
    assert chosen_provider(settings.as_flask_config()) == "demo"
    assert [p.name for p in provider_for({"APP_ENV": "test"}).providers] == ["demo"]
    assert settings.database_url.startswith("sqlite:///")


def test_postgres_urls_use_psycopg_3():
    settings = load_settings({"APP_ENV": "test", "DATABASE_URL": "postgres://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_production_cookies_are_secure():
    settings = load_settings(
        {
            **PRODUCTION,
            "APP_ENV": "production",
            "SECRET_KEY": "x" * 40,
            "STRIPE_SECRET_KEY": "sk_live_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
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
    assert chosen_provider(settings) == "stripe"
    assert settings["STRIPE_SECRET_KEY"] == "sk_test_1"
    assert settings["STRIPE_WEBHOOK_SECRET"] == "whsec_1"


def test_stripe_needs_its_key_and_in_production_its_webhook_secret():
    with pytest.raises(ConfigurationError, match="STRIPE_SECRET_KEY"):
        provider_for({"APP_ENV": "test", "PAYMENT_PROVIDER": "stripe"})
    production = {**PRODUCTION, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    del production["STRIPE_WEBHOOK_SECRET"]
    with pytest.raises(ConfigurationError, match="STRIPE_WEBHOOK_SECRET"):
        provider_for(production)


def test_production_with_several_workers_refuses_to_count_limits_per_process():
    with pytest.raises(ConfigurationError, match="REDIS_URL"):
        load_settings({**PRODUCTION, "WEB_CONCURRENCY": "4"})
    # Unset and without Redis, gunicorn.conf.py starts a single worker: allowed.
    assert load_settings(PRODUCTION).as_flask_config()["RATELIMIT_STORAGE_URI"] == "memory://"


def test_production_rate_limits_run_on_redis_or_in_a_single_worker():
    on_redis = load_settings({**PRODUCTION, "REDIS_URL": "redis://cache:6379/2"})
    config = on_redis.as_flask_config()
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/2"
    assert config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True
    assert config["RATELIMIT_KEY_PREFIX"] == "cv"
    alone = load_settings({**PRODUCTION, "WEB_CONCURRENCY": "1"}).as_flask_config()
    assert alone["RATELIMIT_STORAGE_URI"] == "memory://"
    # Switched off on purpose (behind a gateway that limits), nothing to share.
    load_settings({**PRODUCTION, "WEB_CONCURRENCY": "4", "RATELIMIT_ENABLED": "false"})


def test_rate_limit_settings_from_the_environment():
    config = load_settings(
        {
            "APP_ENV": "development",
            "RATELIMIT_APPLICATION": "30 per minute",
            "RATELIMIT_KEY_PREFIX": "shop2",
        }
    ).as_flask_config()
    assert config["RATELIMIT_ENABLED"] is True
    assert config["RATELIMIT_APPLICATION"] == "30 per minute"
    assert config["RATELIMIT_KEY_PREFIX"] == "shop2"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED" not in config
    assert load_settings({"APP_ENV": "test"}).as_flask_config()["RATELIMIT_ENABLED"] is False


@pytest.mark.parametrize("redis", ["", "redis://127.0.0.1:6379/0"])
@pytest.mark.parametrize("concurrency", ["", "1", "3"])
def test_the_worker_count_is_gunicorns_own(concurrency, redis, monkeypatch, tmp_path):
    """The production check counts workers the way gunicorn.conf.py starts them."""
    # gunicorn.conf.py would set it in this process for good otherwise.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    environ = {"WEB_CONCURRENCY": concurrency, "REDIS_URL": redis}
    for name, value in environ.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    gunicorn = runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))
    assert web_workers(environ) == gunicorn["workers"]
    if not redis and not concurrency:
        # Without Redis one process counts each visitor once (issue: a burst of 130
        # requests got no 429 when three workers each counted alone).
        assert gunicorn["workers"] == 1


@pytest.mark.parametrize(
    ("port", "host", "bound"),
    [
        ("", "", "127.0.0.1:8000"),
        ("5000", "", "0.0.0.0:5000"),
        ("5000", "127.0.0.1", "127.0.0.1:5000"),
    ],
)
def test_gunicorn_listens_where_the_platform_routes(port, host, bound, monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for name, value in (("PORT", port), ("HOST", host)):
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    assert runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))["bind"] == bound


# -- keys for personal data at rest -------------------------------------------------------

KEY_A = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
KEY_B = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"
PRODUCTION_WITH_KEYS = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    # Production's other refusals: PostgreSQL, real email, an https address.
    "DATABASE_URL": "postgresql://shop@db:5432/shop",
    "SMTP_URL": "smtp://mail.test:587",
    "BASE_URL": "https://cafecomvendas.pt",
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
    monkeypatch.setattr(app_config, "INSTANCE_DIR", tmp_path)
    first = load_settings({"APP_ENV": "development"}).as_flask_config()
    again = load_settings({"APP_ENV": "development"}).as_flask_config()
    assert first["DATA_KEYS"] == again["DATA_KEYS"]
    assert first["BLIND_INDEX_KEY"] == again["BLIND_INDEX_KEY"]
    assert first["DATA_KEYS"] != app_config.TEST_DATA_KEYS
    for name in ("data_keys", "blind_index_key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600


# -- production refuses what would lose orders, mail or money ----------------------------


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"DATABASE_URL": ""}, "DATABASE_URL"),  # the default: SQLite in instance/
        ({"DATABASE_URL": "sqlite:////srv/shop.db"}, "DATABASE_URL"),
        ({"SMTP_URL": ""}, "SMTP_URL"),
        ({"BASE_URL": ""}, "BASE_URL"),
        ({"BASE_URL": "http://cafecomvendas.pt"}, "BASE_URL"),
        ({"FLASK_DEBUG": "1"}, "FLASK_DEBUG"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"DATA_KEYS": ""}, "DATA_KEYS"),
        ({"BLIND_INDEX_KEY": ""}, "BLIND_INDEX_KEY"),
        ({"WEB_CONCURRENCY": "3"}, "REDIS_URL"),
    ],
)
def test_production_refuses_each_unsafe_setting_naming_it(change, named):
    with pytest.raises(ConfigurationError, match=named):
        load_settings({**PRODUCTION, **change})


def test_production_allows_sqlite_and_mail_files_only_when_asked_for():
    load_settings(
        {
            **PRODUCTION,
            "DATABASE_URL": "",
            "ALLOW_SQLITE": "1",
            "SMTP_URL": "",
            "MAIL_TO_FILES": "1",
        }
    )
    load_settings(PRODUCTION)
