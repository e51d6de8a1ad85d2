"""Template filters and globals: money, Lisbon times, hashed assets, demo mode."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, url_for
from flask_babel import format_time

from app.assets import load_manifest
from app.catalog.models import localized
from app.checkout.validation import format_phone_for_display
from app.money import format_money, format_rate
from app.timeutil import to_lisbon, utcnow
from app.web.i18n import current_lang


def init_templating(app: Flask) -> None:
    """Register the filters and globals every template may use."""
    manifest: dict[str, str] = {}

    def asset_url(name: str) -> str:
        if not manifest or app.debug:
            manifest.clear()
            manifest.update(load_manifest())
        return url_for("static", filename=manifest[name])

    @app.template_filter("money")
    def money_filter(cents: int) -> str:
        return format_money(cents, current_lang())

    @app.template_filter("rate")
    def rate_filter(rate: Any) -> str:
        return format_rate(rate, current_lang())

    @app.template_filter("clock")
    def clock_filter(value: datetime) -> str:
        """Lisbon wall-clock time, e.g. 14:05, for deadlines a few minutes away."""
        return format_time(value, "short")

    @app.template_filter("lisbon_iso")
    def lisbon_iso(value: datetime) -> str:
        return to_lisbon(value).isoformat(timespec="seconds")

    @app.template_filter("remaining")
    def remaining(value: datetime) -> str:
        seconds = max(0, int((value - utcnow()).total_seconds()))
        return f"{seconds // 60}:{seconds % 60:02d}"

    @app.template_filter("l10n")
    def l10n(value: Any) -> Any:
        return localized(value, current_lang())

    @app.template_filter("phone")
    def phone_filter(value: str | None) -> str:
        return format_phone_for_display(value) if value else ""

    @app.context_processor
    def shop_globals() -> dict[str, Any]:
        return {
            "asset_url": asset_url,
            "demo_mode": current_app.config["PAYMENT_PROVIDER"] == "demo",
        }
