"""Template filters and globals: money, Lisbon times, phones, hashed assets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from babel.dates import format_date, format_skeleton, format_time
from flask import Flask, url_for
from markupsafe import Markup

from app.assets import load_manifest
from app.money import cents_to_decimal, format_money, format_rate
from app.timeutil import LISBON, to_lisbon, utcnow
from app.web.i18n import current_lang, date_locale, localized
from app.web.input_rules import format_phone_for_display


def _date_locale() -> str:
    return date_locale(current_lang())


def day_month(value: datetime) -> str:
    """A Lisbon day without the year, as in "until 31 December": 31 de dezembro."""
    return format_skeleton("MMMMd", to_lisbon(value), tzinfo=LISBON, locale=_date_locale())


def clock(value: datetime) -> str:
    """Lisbon wall-clock time, e.g. 14:05, for deadlines a few minutes away."""
    return format_time(to_lisbon(value), "short", tzinfo=LISBON, locale=_date_locale())


def date_long(value: datetime | str) -> str:
    """A Lisbon date: 4 de dezembro de 2026 / 4 December 2026. Takes ISO text too (the
    privacy centre shows the data it exports, where times are written in UTC)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_date(to_lisbon(moment), "long", locale=_date_locale())


def datetime_long(value: datetime) -> str:
    """A Lisbon date and time a person reads days ahead: 1 de dezembro de 2026, 14:05."""
    return f"{date_long(value)}, {clock(value)}"


def mb_reference(value: str) -> str:
    """A Multibanco reference in groups of three digits, as ATMs and vouchers show it."""
    digits = "".join(ch for ch in value if ch.isdigit())
    return " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))


class BuiltAssets:
    """The hashed front-end files (static/built/manifest.json), read once per process
    (again at every use in debug, where they are rebuilt while the server runs)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.manifest: dict[str, str] = {}
        self.inlined: dict[str, Markup] = {}
        self.data_urls: dict[str, str] = {}

    def _built_name(self, name: str) -> str:
        if not self.manifest or self.app.debug:
            self.manifest = load_manifest()
            self.inlined = {}
        return self.manifest[name]

    def url(self, name: str) -> str:
        return url_for("static", filename=self._built_name(name))

    def inline(self, name: str) -> Markup:
        """A built stylesheet's text, for a <style> in the page's head: the buyer's
        first view then needs no second request before it can paint."""
        built = self._built_name(name)
        if built not in self.inlined:
            folder = Path(self.app.static_folder or "static")
            text = (folder / built).read_text(encoding="utf-8")
            # Ours, and without "</": it cannot end the <style> element early.
            assert "</" not in text, f"{name} cannot be inlined"
            self.inlined[built] = Markup(text)  # noqa: S704
        return self.inlined[built]

    def data_url(self, filename: str, mimetype: str) -> str:
        """A small file of static/ as a data: URL. The favicon goes in the page this way:
        fetched, it is one more request during the first view, and Lighthouse counted it
        in the Largest Contentful Paint whenever it arrived before that paint."""
        if filename not in self.data_urls:
            folder = Path(self.app.static_folder or "static")
            data = (folder / filename).read_bytes()
            self.data_urls[filename] = f"data:{mimetype},{quote(data, safe='/:=;,-._~')}"
        return self.data_urls[filename]


def init_templating(app: Flask) -> None:
    """Register the filters and globals every template may use."""
    app.add_template_filter(day_month, "day_month")
    app.add_template_filter(mb_reference, "mb_reference")
    assets = BuiltAssets(app)

    @app.template_filter("money")
    def money_filter(cents: int) -> str:
        return format_money(cents, current_lang())

    @app.template_filter("rate")
    def rate_filter(rate: Any) -> str:
        return format_rate(rate, current_lang())

    app.add_template_filter(clock, "clock")
    app.add_template_filter(datetime_long, "datetime_long")
    app.add_template_filter(date_long, "date_long")

    @app.template_filter("money_plain")
    def money_plain(cents: int) -> str:
        """The amount as typed into home banking: 147,00 (pt) / 147.00 (en), no symbol."""
        text = f"{cents_to_decimal(cents):.2f}"
        return text.replace(".", ",") if current_lang().startswith("pt") else text

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
        return {"asset_url": assets.url, "inline_asset": assets.inline, "data_url": assets.data_url}
