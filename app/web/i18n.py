"""Localized URLs: Portuguese at /, English under /en/, one endpoint for both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Flask, current_app, g, request, url_for
from flask_babel import get_locale, refresh

DEFAULT_LANG = "pt_PT"
LANGS: dict[str, str] = {"pt_PT": "", "en": "/en"}
HTML_LANG = {"pt_PT": "pt-PT", "en": "en"}
LANG_LABEL = {"pt_PT": "Português", "en": "English"}
# English dates and times as they are written in Europe (4 December 2026, 12:44), not in
# the United States (December 4, 2026, 12:44 PM), which Babel's plain "en" gives: the
# buyers are in Portugal, and the event's own date reads "Saturday, 13 March 2027".
_DATE_LOCALES = {"en": "en_GB"}


def date_locale(lang: str) -> str:
    """The Babel locale that writes dates and times in `lang`, for the pages and for
    the catalog's check of the event's written date."""
    return _DATE_LOCALES.get(lang, lang)


def localized_route(bp: Blueprint, rule: str, **options: Any) -> Callable[..., Any]:
    """Register a view at `rule` (Portuguese) and at `/en` + `rule` (English)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = options.pop("endpoint", view.__name__)
        for lang, prefix in LANGS.items():
            path = (prefix + rule) if rule != "/" else (prefix + "/")
            bp.add_url_rule(path, endpoint, view, defaults={"lang": lang}, **options)
        return view

    return decorator


def _localized_endpoints(app: Flask) -> frozenset[str]:
    cached = app.extensions.get("localized_endpoints")
    if cached is None:
        cached = frozenset(
            rule.endpoint for rule in app.url_map.iter_rules() if "lang" in (rule.defaults or {})
        )
        app.extensions["localized_endpoints"] = cached
    return cached


def lang_from_path(path: str) -> str:
    """The language a URL is in, for requests that matched no route (404s)."""
    return "en" if path == "/en" or path.startswith("/en/") else DEFAULT_LANG


def current_lang() -> str:
    return getattr(g, "lang", DEFAULT_LANG)


def init_i18n(app: Flask) -> None:
    """Pull `lang` out of the URL into `g.lang` and put it back into every url_for."""

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values and "lang" in values:
            g.lang = values.pop("lang")
        else:
            g.lang = lang_from_path(request.path)
        # Flask-Babel caches the locale on `g`, which outlives a request when an app
        # context is shared (tests, scripts): forget it so this URL's language wins.
        refresh()

    @app.url_defaults
    def push_lang(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" not in values and endpoint in _localized_endpoints(current_app):
            values["lang"] = current_lang()

    @app.context_processor
    def lang_context() -> dict[str, Any]:
        lang = current_lang()
        return {
            "lang": lang,
            "html_lang": HTML_LANG[lang],
            "alternate_urls": alternate_urls(),
            "lang_label": LANG_LABEL,
            "babel_locale": str(get_locale()),
        }


def alternate_urls() -> dict[str, str]:
    """This page in each language, for the language switch and hreflang links."""
    endpoint = request.endpoint
    if not endpoint or endpoint not in _localized_endpoints(current_app):
        return {lang: url_for("landing.index", lang=lang) for lang in LANGS}
    args = {key: value for key, value in (request.view_args or {}).items() if key != "lang"}
    return {lang: url_for(endpoint, **args, lang=lang) for lang in LANGS}


def select_locale() -> str:
    """Flask-Babel's locale selector: the language of the URL."""
    return current_lang()


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Render outside a request (emails, the worker) in `lang`, with absolute URLs.

    url_for(..., _external=True) builds links on BASE_URL, in that language.
    """
    with current_app.test_request_context("/", base_url=current_app.config["BASE_URL"]):
        g.lang = lang if lang in LANGS else DEFAULT_LANG
        refresh()
        yield


def localized(value: Any, locale: str) -> Any:
    """Pick the locale's entry from a {locale: text} mapping; plain values pass through."""
    if isinstance(value, dict) and ("pt_PT" in value or "en" in value):
        return value.get(locale) or value.get("pt_PT") or value.get("en")
    if isinstance(value, list):
        return [localized(item, locale) for item in value]
    if isinstance(value, dict):
        return {key: localized(item, locale) for key, item in value.items()}
    return value
