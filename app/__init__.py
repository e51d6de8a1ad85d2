"""Café com Vendas storefront: `create_app` builds the Flask app in named steps."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from whitenoise import WhiteNoise

from app.config import INSTANCE_DIR, PROJECT_ROOT, default_trusted_hosts, load_settings


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment; `overrides` replace settings (tests use it)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=True,
    )
    configure(app, overrides or {})
    init_privacy(app)
    # Security first: its request hooks (HTTPS redirect, CSP nonce) then run before any
    # other, so even a page refused by the rate limiter carries the nonce it needs.
    init_security(app)
    init_extensions(app)
    init_database(app)
    register_blueprints(app)
    apply_limit_marks(app)
    init_web(app)
    init_static(app)
    register_commands(app)
    return app


def configure(app: Flask, overrides: dict[str, Any]) -> None:
    settings = load_settings()
    app.config.update(settings.as_flask_config())
    app.config.update(overrides)
    if not settings.trusted_hosts and "TRUSTED_HOSTS" not in overrides:
        # Overrides may move BASE_URL or APP_ENV (tests, scripts): trust what they name.
        app.config["TRUSTED_HOSTS"] = default_trusted_hosts(
            app.config["BASE_URL"], app.config["APP_ENV"]
        )
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic announces each of its plugins at INFO whenever it is imported.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def init_privacy(app: Flask) -> None:
    """Keys for personal data at rest, and logs that mask any personal data reaching them."""
    from app.privacy.crypto import init_keyring
    from app.privacy.redaction import install_log_masking

    init_keyring(app)
    install_log_masking()


def init_extensions(app: Flask) -> None:
    from app.extensions import babel, compress, csrf, db, migrate
    from app.web.i18n import select_locale
    from app.web.limits import init_rate_limits

    # Before CSRF: a flood of refused forms still counts against its sender.
    init_rate_limits(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "app" / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    compress.init_app(app)


def init_database(app: Flask) -> None:
    from app import models  # noqa: F401  (every model registered before use)
    from app.db_locking import configure_sqlite
    from app.extensions import db

    with app.app_context():
        configure_sqlite(db.engine)


def register_blueprints(app: Flask) -> None:
    from app.checkout.routes import bp as checkout_bp
    from app.consent.routes import bp as consent_bp
    from app.landing.routes import bp as landing_bp
    from app.leads.routes import bp as leads_bp
    from app.legal.routes import bp as legal_bp
    from app.outbox.routes import bp as outbox_bp
    from app.payments.routes import bp as payments_bp
    from app.privacy.routes import bp as privacy_bp

    for blueprint in (
        landing_bp,
        leads_bp,
        checkout_bp,
        payments_bp,
        outbox_bp,
        consent_bp,
        privacy_bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(legal_bp)


def apply_limit_marks(app: Flask) -> None:
    """Apply the views' `limited` / `unlimited` marks, once every blueprint is in."""
    from app.web.limits import apply_limit_marks as apply_marks

    apply_marks(app)


def init_web(app: Flask) -> None:
    from app.analytics.datalayer import init_analytics
    from app.consent.routes import init_consent
    from app.web.errors import init_errors
    from app.web.hosts import init_trusted_hosts
    from app.web.i18n import init_i18n
    from app.web.templating import init_templating

    init_i18n(app)
    init_errors(app)
    init_trusted_hosts(app)
    init_templating(app)
    init_consent(app)
    init_analytics(app)


# What the shop's pages may ask the browser for: nothing but fullscreen for themselves.
# Payment is off too: Stripe Checkout is a page of Stripe's, not a Payment Request here.
# interest-cohort and browsing-topics keep visitors out of ad-interest profiling. Only
# features Chromium knows: an unknown one is a console warning on every page.
PERMISSIONS_POLICY = {
    feature: "()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
} | {"fullscreen": "(self)"}


def init_security(app: Flask) -> None:
    from flask_talisman import Talisman

    production = app.config["APP_ENV"] == "production"
    form_action = "'self'"
    if app.config["PAYMENT_PROVIDER"] == "stripe":
        # Stripe Checkout is reached by a redirect after our checkout form's POST.
        form_action += " https://checkout.stripe.com"
    # Google hosts only when a GTM container is configured; the page still loads GTM
    # only after consent (templates/consent/_head.html).
    google = ""
    frame_src = "'none'"
    if app.config.get("GTM_ID"):
        google = " https://www.googletagmanager.com"
        frame_src = "https://www.googletagmanager.com"
    analytics_hosts = (
        " https://*.google-analytics.com https://*.analytics.google.com" if google else ""
    )
    # One Talisman per app: its policy lives on the instance, and two apps in one
    # process (tests, scripts) must not share a policy.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=production,
        strict_transport_security=production,
        strict_transport_security_max_age=31536000,
        strict_transport_security_include_subdomains=True,
        session_cookie_secure=production,
        content_security_policy={
            "default-src": "'self'",
            "script-src": "'self'" + google,
            "style-src": "'self'",
            "img-src": "'self' data:" + google + analytics_hosts,
            "font-src": "'self'",
            "connect-src": "'self'" + google + analytics_hosts,
            "frame-src": frame_src,
            "form-action": form_action,
            "frame-ancestors": "'none'",
            "base-uri": "'self'",
            "object-src": "'none'",
        },
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
        frame_options="DENY",
    )
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def init_static(app: Flask) -> None:
    """Serve static/ through WhiteNoise: gzip twins, and hashed files cached for a year."""

    def immutable(path: str, url: str) -> bool:
        return "/built/" in url and not url.endswith("manifest.json")

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app,
        root=app.static_folder,
        prefix="static/",
        max_age=3600,
        immutable_file_test=immutable,
    )


def register_commands(app: Flask) -> None:
    from app.cli import register

    register(app)
