"""Settings from the environment, in one place.

`.env` (python-dotenv) is read by `load_settings`; every variable is documented in
`.env.example`.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import load_dotenv

from app.consent_settings import consent_settings
from app.paths import INSTANCE_DIR, PROJECT_ROOT
from app.payment_settings import payment_settings
from app.personal_data.encryption import Keyring, KeyringError, new_key
from app.serving_settings import serving_settings
from app.waitlist_settings import waitlist_settings


class ConfigurationError(RuntimeError):
    """The environment asks for something the app refuses to run with."""


FORM_MAX_BYTES = 16 * 1024


def default_trusted_hosts(base_url: str, env: str) -> list[str]:
    """The Host names a request may carry: BASE_URL's, plus the loopback names off production."""
    hosts = [host] if (host := urlsplit(base_url).hostname) else []
    if env != "production":
        # make run, the browser tests and the test client talk to these.
        hosts += [name for name in ("127.0.0.1", "localhost") if name not in hosts]
    return hosts


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Fixed keys for APP_ENV=test only, so test databases read back between runs; never real data.
TEST_DATA_KEYS = "test:" + "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
TEST_BLIND_INDEX_KEY = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"


def _dev_key_file(name: str, make: Callable[[], str]) -> str:
    """A key kept in instance/ (mode 600), made once, so development data stays readable."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        partial = INSTANCE_DIR / f".{name}.{os.getpid()}"
        # Created private, never readable by others even for a moment.
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(make())
        try:
            # Atomic and never replacing: when several processes start at once (gunicorn
            # workers, the outbox worker) they all end up with the first key made.
            os.link(partial, path)
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return path.read_text().strip()


@dataclass
class Settings:
    env: str
    secret_key: str
    database_url: str
    base_url: str
    event_data_file: Path
    mbway_timeout_seconds: int
    ratelimit_enabled: bool
    ratelimit_application: str
    redis_url: str
    ratelimit_key_prefix: str
    trusted_proxy_hops: int
    # Host names from TRUSTED_HOSTS; empty means "derive them from BASE_URL".
    trusted_hosts: tuple[str, ...] = ()
    seat_hold_seconds: int = 15 * 60
    # Keys SECRET_KEY replaced: what they signed still opens; nothing new is signed.
    secret_key_fallbacks: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def as_flask_config(self) -> dict[str, Any]:
        production = self.env == "production"
        return {
            "APP_ENV": self.env,
            "SECRET_KEY": self.secret_key,
            "SECRET_KEY_FALLBACKS": list(self.secret_key_fallbacks),
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "BASE_URL": self.base_url.rstrip("/"),
            "EVENT_DATA_FILE": str(self.event_data_file),
            "MBWAY_TIMEOUT_SECONDS": self.mbway_timeout_seconds,
            "SEAT_HOLD_SECONDS": self.seat_hold_seconds,
            **_rate_limit_config(self),
            "TRUSTED_PROXY_HOPS": self.trusted_proxy_hops,
            "TRUSTED_HOSTS": list(self.trusted_hosts)
            or default_trusted_hosts(self.base_url, self.env),
            "BABEL_DEFAULT_LOCALE": "pt_PT",
            "BABEL_DEFAULT_TIMEZONE": "Europe/Lisbon",
            "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
            # Our biggest form (checkout, every field at its maxlength in 4-byte
            # characters, percent-encoded) is under 5 KB and a real one under 1 KB: 16 KB
            # leaves room and keeps a hostile body from tying up a worker. The Stripe
            # webhook raises its own request's limit (app/payments/routes.py), and so does
            # the back office's image upload (app/staff/image_routes.py: 10 MB).
            "MAX_CONTENT_LENGTH": FORM_MAX_BYTES,
            # Multipart bodies (only the image upload sends them): the same cap on the text
            # fields held in memory (the file itself is spooled to disk) and at most a few
            # dozen parts, not Werkzeug's 500 KB and 1000.
            "MAX_FORM_MEMORY_SIZE": FORM_MAX_BYTES,
            "MAX_FORM_PARTS": 50,
            # Off in production whatever FLASK_DEBUG says (load_settings refuses it too).
            **({"DEBUG": False} if production else {}),
            "WTF_CSRF_TIME_LIMIT": None,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": production,
            "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
            "PREFERRED_URL_SCHEME": "https" if production else "http",
            **self.extra,
        }


def web_workers(environ: dict[str, str]) -> int:
    """How many gunicorn worker processes serve the shop: gunicorn.conf.py's own rule
    (one per core plus one with Redis to share the rate limits; otherwise one)."""
    value = environ.get("WEB_CONCURRENCY", "").strip()
    if value:
        return int(value)
    return multiprocessing.cpu_count() + 1 if environ.get("REDIS_URL", "").strip() else 1


def _rate_limit_config(settings: Settings) -> dict[str, Any]:
    """Flask-Limiter's settings; the policy is in app/web/limits.py and
    docs/operations/headers-and-rate-limits.md."""
    config: dict[str, Any] = {
        "RATELIMIT_ENABLED": settings.ratelimit_enabled,
        # One budget per client address for the whole app; views add their own.
        "RATELIMIT_APPLICATION": settings.ratelimit_application,
        # The moving window counts the last N seconds exactly: no double burst at a
        # window's edge, and the wait in Retry-After is the real one.
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_STORAGE_URI": settings.redis_url or "memory://",
        # Several shops (or test runs) may share one Redis.
        "RATELIMIT_KEY_PREFIX": settings.ratelimit_key_prefix,
        # X-RateLimit-* on every answer would cost a Redis round trip each; a refusal
        # carries Retry-After (app/web/errors.py).
        "RATELIMIT_HEADERS_ENABLED": False,
        # A limiter fault never fails a request (the shop keeps selling).
        "RATELIMIT_SWALLOW_ERRORS": True,
    }
    if settings.redis_url:
        # Redis down: count in this process's memory, with the same limits, until it
        # answers again (Flask-Limiter checks with a backoff). Short timeouts, so a Redis
        # that hangs costs a request half a second, not a worker's whole timeout.
        config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
        config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
        }
    return config


def _refuse_unsafe_production(env: str, environ: dict[str, str]) -> None:
    """Production refuses settings that would lose data, mail or money without a sound.

    Each refusal is one line naming the variable to set (docs/operations/deploy.md).
    """
    if env != "production":
        return
    if _bool(environ.get("FLASK_DEBUG")):
        # The debugger runs code typed into an error page: never where the shop is public.
        raise ConfigurationError("FLASK_DEBUG must be off in production")
    if _database_url(environ).startswith("sqlite") and not _bool(environ.get("ALLOW_SQLITE")):
        # A platform's disk is replaced at every deploy: SQLite there loses every order.
        raise ConfigurationError(
            "DATABASE_URL must point at PostgreSQL in production (ALLOW_SQLITE=1 only on "
            "a single machine whose disk is kept)"
        )
    if not environ.get("SMTP_URL", "").strip() and not _bool(environ.get("MAIL_TO_FILES")):
        # Without SMTP the confirmations would be written to files nobody reads.
        raise ConfigurationError(
            "SMTP_URL is required in production (MAIL_TO_FILES=1 keeps emails as files "
            "in MAIL_DIR on purpose)"
        )
    base_url = environ.get("BASE_URL", "").strip()
    if not base_url.startswith("https://"):
        # Links in emails and the provider's return addresses must not leak over http.
        raise ConfigurationError(f"BASE_URL must be the shop's https:// address, not {base_url!r}")
    ratelimit_enabled = _bool(environ.get("RATELIMIT_ENABLED"), default=True)
    if ratelimit_enabled and not environ.get("REDIS_URL", "").strip():
        workers = web_workers(environ)
        if workers > 1:
            # Each worker would count alone: every visitor would get `workers` times
            # the budget, and a refused one would be let in by the next worker.
            raise ConfigurationError(
                f"Rate limits in production with {workers} web workers need REDIS_URL "
                "(or WEB_CONCURRENCY=1)"
            )


def _database_url(environ: dict[str, str]) -> str:
    """DATABASE_URL with the psycopg 3 driver named; SQLite in instance/ by default."""
    url = environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'storefront.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _secret_key_fallbacks(environ: dict[str, str], secret_key: str) -> tuple[str, ...]:
    """SECRET_KEY_FALLBACKS: the keys SECRET_KEY replaced, comma-separated. A rotation must
    not void the tickets already sent, signed with the old key: the door admits them while
    it is listed (docs/operations/key-rotation.md)."""
    keys = tuple(key.strip() for key in environ.get("SECRET_KEY_FALLBACKS", "").split(","))
    return tuple(key for key in keys if key and key != secret_key)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment (and `.env`); refuse unsafe production setups."""
    if environ is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        environ = dict(os.environ)
    env = environ.get("APP_ENV", "development").strip().lower()
    if env not in {"development", "production", "test"}:
        raise ConfigurationError(f"APP_ENV must be development, production or test, not {env!r}")

    secret_key = environ.get("SECRET_KEY", "")
    if not secret_key:
        if env == "production":
            raise ConfigurationError("SECRET_KEY is required in production")
        # Development keeps one in instance/, so its sessions survive a restart.
        secret_key = (
            _dev_key_file("secret_key", lambda: secrets.token_urlsafe(48))
            if env == "development"
            else "test-only-secret-key"
        )

    _refuse_unsafe_production(env, environ)
    ratelimit_enabled = _bool(environ.get("RATELIMIT_ENABLED"), default=env != "test")
    database_url = _database_url(environ)
    return Settings(
        env=env,
        secret_key=secret_key,
        secret_key_fallbacks=_secret_key_fallbacks(environ, secret_key),
        database_url=database_url,
        # Links in emails and Stripe's return URLs use it; by default, where `make run` serves.
        base_url=environ.get("BASE_URL") or f"http://127.0.0.1:{environ.get('PORT') or 8000}",
        event_data_file=Path(
            environ.get("EVENT_DATA_FILE", PROJECT_ROOT / "app" / "catalog" / "event.yaml")
        ),
        mbway_timeout_seconds=int(environ.get("MBWAY_TIMEOUT_SECONDS", "240")),
        ratelimit_enabled=ratelimit_enabled,
        ratelimit_application=environ.get("RATELIMIT_APPLICATION") or "100 per minute",
        redis_url=environ.get("REDIS_URL", "").strip(),
        ratelimit_key_prefix=environ.get("RATELIMIT_KEY_PREFIX", "").strip() or "cv",
        trusted_proxy_hops=int(environ.get("TRUSTED_PROXY_HOPS", "0")),
        trusted_hosts=tuple(
            host.strip() for host in environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()
        ),
        seat_hold_seconds=int(environ.get("SEAT_HOLD_SECONDS", "900")),
        extra={
            **payment_settings(environ),
            **consent_settings(environ),
            **waitlist_settings(environ),
            **_outbox_settings(environ),
            **_encryption_settings(environ, env),
            **_privacy_settings(environ),
            **serving_settings(environ, web_workers(environ), database_url),
        },
    )


def _outbox_settings(environ: dict[str, str]) -> dict[str, Any]:
    """Outside systems the outbox delivers to; each is off until its credentials are set."""

    def text(name: str, default: str = "") -> str:
        return environ.get(name, default).strip()

    return {
        # Email: SMTP when SMTP_URL is set (smtp://user:pass@host:587?starttls=1, or
        # smtps:// for TLS from the start); otherwise .eml files in instance/mail/.
        "SMTP_URL": text("SMTP_URL"),
        "MAIL_FROM": text("MAIL_FROM", "Café com Vendas <ola@cafecomvendas.pt>"),
        "MAIL_DIR": text("MAIL_DIR") or str(INSTANCE_DIR / "mail"),
        # Uploaded images, one file per size and format (back them up with the database).
        "MEDIA_DIR": text("MEDIA_DIR") or str(INSTANCE_DIR / "media"),
        # Kit (ConvertKit) API v4; HubSpot CRM (private app token); GA4 Measurement
        # Protocol; InvoiceXpress (certified invoices; without it, the demo invoicer).
        "KIT_API_KEY": text("KIT_API_KEY"),
        "KIT_API_BASE": text("KIT_API_BASE", "https://api.kit.com"),
        "KIT_BUYER_SEQUENCE_ID": text("KIT_BUYER_SEQUENCE_ID"),
        # The secret Kit gave when the webhook endpoint /webhooks/kit was registered.
        "KIT_WEBHOOK_SECRET": text("KIT_WEBHOOK_SECRET"),
        "HUBSPOT_TOKEN": text("HUBSPOT_TOKEN"),
        "HUBSPOT_API_BASE": text("HUBSPOT_API_BASE", "https://api.hubapi.com"),
        "INVOICEXPRESS_ACCOUNT": text("INVOICEXPRESS_ACCOUNT"),
        "INVOICEXPRESS_API_KEY": text("INVOICEXPRESS_API_KEY"),
        "GA4_MEASUREMENT_ID": text("GA4_MEASUREMENT_ID"),
        "GA4_API_SECRET": text("GA4_API_SECRET"),
        "GA4_ENDPOINT": text("GA4_ENDPOINT", "https://www.google-analytics.com"),
        # The n-th retry waits OUTBOX_BACKOFF_SECONDS * 2**(n-1) ±25 %: 8 tries, ~10.6 h.
        "OUTBOX_BACKOFF_SECONDS": float(text("OUTBOX_BACKOFF_SECONDS", "300")),
        "OUTBOX_MAX_ATTEMPTS": int(text("OUTBOX_MAX_ATTEMPTS", "8")),
        "OUTBOX_LEASE_SECONDS": float(text("OUTBOX_LEASE_SECONDS", "300")),
        "OUTBOX_HTTP_TIMEOUT": float(text("OUTBOX_HTTP_TIMEOUT", "10")),
        # JSON lines for a platform's log drain in production, text elsewhere.
        "LOG_FORMAT": text("LOG_FORMAT")
        or ("json" if text("APP_ENV").lower() == "production" else "text"),
        # Optional Sentry project for error reports (scrubbed of personal data first).
        "SENTRY_DSN": text("SENTRY_DSN"),
        # /metrics answers only with `Authorization: Bearer <METRICS_TOKEN>` (404 without).
        "METRICS_TOKEN": text("METRICS_TOKEN"),
        # Where alerts go (a dead message, failing webhooks, an order to review...).
        "ALERT_EMAIL": text("ALERT_EMAIL"),
        # Unpaid orders one person (email) or one network address may hold at once, so
        # nobody hoards seats; and the longest a Multibanco voucher holds a seat (hours).
        "OPEN_ORDERS_LIMIT": int(text("OPEN_ORDERS_LIMIT", "2")),
        "MULTIBANCO_HOLD_HOURS": int(text("MULTIBANCO_HOLD_HOURS", "48")),
        # Where the clock writes the nightly database backup (none when empty).
        "BACKUP_DIR": text("BACKUP_DIR"),
        # How long the link in a lead's confirmation email works.
        "LEAD_CONFIRM_MAX_AGE": int(text("LEAD_CONFIRM_MAX_AGE", str(7 * 24 * 3600))),
    }


def _encryption_settings(environ: dict[str, str], env: str) -> dict[str, Any]:
    """Keys for personal data at rest (app/personal_data/encryption.py); production must
    bring its own."""
    data_keys = environ.get("DATA_KEYS", "").strip()
    blind_index_key = environ.get("BLIND_INDEX_KEY", "").strip()
    if env == "production":
        missing = [
            name
            for name, value in (("DATA_KEYS", data_keys), ("BLIND_INDEX_KEY", blind_index_key))
            if not value
        ]
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            raise ConfigurationError(
                f"{' and '.join(missing)} {verb} required in production "
                "(`flask keys generate` makes them)"
            )
    elif env == "development":
        data_keys = data_keys or _dev_key_file("data_keys", lambda: f"dev:{new_key()}")
        blind_index_key = blind_index_key or _dev_key_file("blind_index_key", new_key)
    else:
        data_keys = data_keys or TEST_DATA_KEYS
        blind_index_key = blind_index_key or TEST_BLIND_INDEX_KEY
    previous = environ.get("BLIND_INDEX_PREVIOUS_KEY", "").strip()
    try:
        # Refuse to start on a malformed key rather than fail on the first customer.
        Keyring.from_settings(data_keys, blind_index_key, previous)
    except KeyringError as exc:
        raise ConfigurationError(str(exc)) from exc
    return {
        "DATA_KEYS": data_keys,
        "BLIND_INDEX_KEY": blind_index_key,
        "BLIND_INDEX_PREVIOUS_KEY": previous,
    }


def _privacy_settings(environ: dict[str, str]) -> dict[str, Any]:
    """How long personal data is kept, and how long a privacy-centre link works."""

    def number(name: str, default: int) -> int:
        value = environ.get(name, "").strip() or str(default)
        if not value.isdigit() or int(value) < 1:
            raise ConfigurationError(f"{name} must be a whole number of at least 1, not {value!r}")
        return int(value)

    return {
        # People are erased this long after their last interaction (lead, order, visit
        # of their order); `flask privacy purge` applies it daily.
        "PRIVACY_RETENTION_MONTHS": number("PRIVACY_RETENTION_MONTHS", 24),
        # A lead whose email was never confirmed is deleted after this many days.
        "UNCONFIRMED_LEAD_DAYS": number("UNCONFIRMED_LEAD_DAYS", 30),
        # Anonymized orders are kept for the tax authority (10 years in Portugal).
        "ORDER_RETENTION_YEARS": number("ORDER_RETENTION_YEARS", 10),
        # A privacy-centre link works once, for this long.
        "PRIVACY_LINK_MINUTES": number("PRIVACY_LINK_MINUTES", 30),
        # Back office: a sign-in link works once, this long; a session ends this idle.
        "STAFF_LINK_MINUTES": number("STAFF_LINK_MINUTES", 15),
        "STAFF_IDLE_HOURS": number("STAFF_IDLE_HOURS", 12),
    }
