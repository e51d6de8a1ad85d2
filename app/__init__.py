"""Café com Vendas storefront: `create_app` builds the Flask app in named steps.

The factory only wires: each step hands the app to the package that owns that part
(see docs/architecture.md for the map).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from app import models  # noqa: F401  (every model registered before the first query)
from app.analytics.datalayer import init_analytics
from app.catalog.placeholders import refuse_example_values
from app.checkout.routes import bp as checkout_bp
from app.cli import register_commands
from app.config import default_trusted_hosts, load_settings
from app.consent.current import init_consent
from app.consent.routes import bp as consent_bp
from app.consent.tags import init_tag_vendors
from app.db_locking import configure_sqlite
from app.extensions import babel, csrf, db, migrate
from app.invoicing import notifications as invoice_notifications
from app.invoicing.documents import invoice_page
from app.invoicing.routes import bp as invoicing_bp
from app.landing.routes import bp as landing_bp
from app.leads import notifications as lead_notifications
from app.leads.routes import bp as leads_bp
from app.legal.routes import bp as legal_bp
from app.media.routes import bp as media_bp
from app.monitoring import alerts
from app.monitoring.error_reports import init_error_reports
from app.monitoring.metrics import init_request_metrics
from app.monitoring.routes import bp as monitoring_bp
from app.orders import notifications as order_notifications
from app.orders.labels import init_labels
from app.outbox.composers import init_composers
from app.paths import INSTANCE_DIR, PROJECT_ROOT
from app.payments.registry import init_payments
from app.payments.routes import bp as payments_bp
from app.personal_data.encryption import init_keyring
from app.personal_data.masking import install_log_masking
from app.privacy import notifications as privacy_notifications
from app.privacy.routes import bp as privacy_bp
from app.site.routes import bp as site_bp
from app.staff import notifications as staff_notifications
from app.staff.setup import init_staff
from app.waitlist import notifications as waitlist_notifications
from app.waitlist.routes import bp as waitlist_bp
from app.web.bad_bytes import init_bad_bytes
from app.web.compression import init_compression
from app.web.errors import init_errors
from app.web.hosts import init_trusted_hosts
from app.web.i18n import init_i18n, select_locale
from app.web.limits import apply_limit_marks, init_rate_limits
from app.web.logs import configure_logging
from app.web.request_ids import init_request_ids, stamp_request_ids
from app.web.security import init_security
from app.web.sessions import init_sessions
from app.web.shop_flask import ShopFlask
from app.web.static import init_static
from app.web.templating import init_templating
from app.wording.live import init_wording

BLUEPRINTS = (
    landing_bp,
    leads_bp,
    waitlist_bp,
    checkout_bp,
    payments_bp,
    consent_bp,
    privacy_bp,
    legal_bp,
    site_bp,
    monitoring_bp,
    invoicing_bp,
    media_bp,
)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment; `overrides` replace settings (tests use it)."""
    app = ShopFlask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
        instance_relative_config=True,
    )
    configure(app, overrides or {})
    if app.config["APP_ENV"] == "production":
        refuse_example_values(Path(app.config["EVENT_DATA_FILE"]))
    init_privacy(app)
    # The provider first: it may refuse the settings, and the CSP needs its hosts.
    providers = init_payments(app)
    # The tag vendors next: TAG_VENDORS may be refused, and the CSP needs their hosts.
    tag_sources = init_tag_vendors(app)
    # Security next: its request hooks (HTTPS redirect, CSP nonce) then run before any
    # other, so even a page refused by the rate limiter carries the nonce it needs.
    init_security(app, form_hosts=providers.checkout_hosts, tag_sources=tag_sources)
    init_sessions(app)
    init_request_ids(app)
    init_bad_bytes(app)
    init_request_metrics(app)
    init_error_reports(app)
    init_extensions(app)
    init_wording(app)
    init_database(app)
    register_blueprints(app)
    init_staff(app)
    apply_limit_marks(app)
    init_web(app)
    init_notifications(app)
    init_static(app)
    stamp_request_ids(app)
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
    configure_logging(app.config["LOG_FORMAT"])


def init_privacy(app: Flask) -> None:
    """Keys for personal data at rest, and logs that mask any personal data reaching them."""
    init_keyring(app)
    install_log_masking()


def init_extensions(app: Flask) -> None:
    # Before CSRF: a flood of refused forms still counts against its sender.
    init_rate_limits(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "app" / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_compression(app)


def init_database(app: Flask) -> None:
    with app.app_context():
        configure_sqlite(db.engine)


def register_blueprints(app: Flask) -> None:
    # The payment provider's own blueprint is mounted by init_payments.
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)


def init_web(app: Flask) -> None:
    init_i18n(app)
    init_errors(app)
    init_trusted_hosts(app)
    init_templating(app)
    init_labels(app)
    init_consent(app)
    init_analytics(app)


def init_notifications(app: Flask) -> None:
    """Each feature composes the messages it causes; the outbox only delivers them."""
    init_composers(
        app,
        lead_notifications.COMPOSERS,
        order_notifications.COMPOSERS,
        privacy_notifications.COMPOSERS,
        alerts.COMPOSERS,
        staff_notifications.COMPOSERS,
        invoice_notifications.COMPOSERS,
        waitlist_notifications.COMPOSERS,
    )
    # The confirmation email links the invoice, which invoicing (above orders) finds.
    app.extensions[order_notifications.INVOICE_PAGE] = invoice_page
