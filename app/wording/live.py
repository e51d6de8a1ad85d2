"""Published overrides applied to every page and email, in every process, without a restart.

Flask-Babel loads each language's compiled catalog once per process. The shop's domain
(`WordingDomain`) lays the published overrides over it. Each process asks the database
whether they changed at most every WORDING_REFRESH_SECONDS (one small query on its own
connection, never inside a request's transaction), so a publish reaches every gunicorn
worker within seconds. A staff preview also lays the drafts over them, for that request
only.

A singular message's override replaces `_catalog[msgid]`; a plural form's replaces
`_catalog[(msgid, form)]`, the key GNUTranslations.ngettext reads for the form its
plural rule picks, so `ngettext(singular, plural, n)` returns it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from babel import support
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Domain, get_locale
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import babel, db
from app.wording.models import DRAFT, PUBLISHED, WordingOverride

log = logging.getLogger(__name__)

EXTENSION_KEY = "wording"
# How GNUTranslations keys its catalog: the msgid, or (msgid, plural form).
CatalogKey = str | tuple[str, int]


def catalog_key(msgid: str, form: int | None) -> CatalogKey:
    return msgid if form is None else (msgid, form)


PREVIEW_FLAG = "wording_preview"


@dataclass
class LiveWording:
    """One app's published overrides, as this process last read them."""

    refresh_seconds: float
    version: tuple[int, str] | None = None
    checked_at: float = 0.0
    by_locale: dict[str, dict[CatalogKey, str]] = field(default_factory=dict)
    # Catalogs with the overrides laid over them, per (locale, version).
    merged: dict[tuple[str, tuple[int, str] | None], support.Translations] = field(
        default_factory=dict
    )

    def _read_version(self) -> tuple[int, str] | None:
        query = select(func.count(WordingOverride.id), func.max(WordingOverride.published_at))
        with db.engine.connect() as connection:
            count, last = connection.execute(query.where(WordingOverride.state == PUBLISHED)).one()
        return int(count), str(last)

    def _load(self) -> None:
        # Its own short connection, like the version check: never the session's
        # transaction, which on SQLite would then hold an older snapshot and fail its
        # next write (a worker composing an email in the middle of a delivery).
        query = select(
            WordingOverride.locale,
            WordingOverride.msgid,
            WordingOverride.form,
            WordingOverride.text,
        )
        with db.engine.connect() as connection:
            rows = connection.execute(query.where(WordingOverride.state == PUBLISHED)).all()
        by_locale: dict[str, dict[CatalogKey, str]] = {}
        for locale, msgid, form, text in rows:
            by_locale.setdefault(locale, {})[catalog_key(msgid, form)] = text
        self.by_locale = by_locale
        self.merged.clear()

    def refresh(self, *, force: bool = False) -> None:
        """Read the published overrides again if they changed (checked every few seconds)."""
        now = time.monotonic()
        if not force and now - self.checked_at < self.refresh_seconds:
            return
        self.checked_at = now
        try:
            version = self._read_version()
            if force or version != self.version:
                self._load()
                self.version = version
        except SQLAlchemyError as exc:
            # No table yet (a command before `db upgrade`), or the database is away:
            # the catalogs alone still speak.
            log.warning("wording overrides not read (%s)", type(exc).__name__)


def _drafts(locale: str) -> dict[CatalogKey, str]:
    """The drafts in `locale`, read once per preview request."""
    cached: dict[str, dict[CatalogKey, str]] = g.setdefault("wording_drafts", {})
    if locale not in cached:
        query = select(WordingOverride.msgid, WordingOverride.form, WordingOverride.text).where(
            WordingOverride.state == DRAFT, WordingOverride.locale == locale
        )
        with db.engine.connect() as connection:
            cached[locale] = {
                catalog_key(msgid, form): text for msgid, form, text in connection.execute(query)
            }
    return cached[locale]


def _laid_over(
    base: support.Translations, overrides: dict[CatalogKey, str]
) -> support.Translations:
    merged = support.Translations()
    merged.merge(base)
    if hasattr(base, "plural"):
        merged.plural = base.plural
    merged._catalog.update(overrides)
    return merged


class WordingDomain(Domain):
    """The catalogs, with marketing's published overrides (and a preview's drafts) on top."""

    def get_translations(self) -> support.NullTranslations:
        # A page asks for its catalog at every message (70 and more times): within one
        # request the answer is kept, per language and preview, on the request itself
        # (not on `g`, which tests and scripts share across requests).
        if has_request_context():
            key = (str(get_locale()), bool(g.get(PREVIEW_FLAG)))
            kept: dict[tuple[str, bool], support.NullTranslations] = request.environ.setdefault(
                "shop.wording_translations", {}
            )
            if key not in kept:
                kept[key] = self._translations()
            return kept[key]
        return self._translations()

    def _translations(self) -> support.NullTranslations:
        base = super().get_translations()
        if not has_app_context():
            return base
        live: LiveWording | None = current_app.extensions.get(EXTENSION_KEY)
        if live is None:
            return base
        live.refresh()
        locale = str(get_locale())
        overrides = live.by_locale.get(locale, {})
        preview = has_request_context() and g.get(PREVIEW_FLAG)
        if preview:
            return _laid_over(base, {**overrides, **_drafts(locale)})
        if not overrides:
            return base
        key = (locale, live.version)
        if key not in live.merged:
            live.merged[key] = _laid_over(base, overrides)
        return live.merged[key]


def published_version() -> tuple[int, str] | None:
    """The version of the published overrides this process serves (checked every few
    seconds): part of a kept page's key, so a publish reaches kept pages too."""
    live: LiveWording | None = current_app.extensions.get(EXTENSION_KEY)
    if live is None:
        return None
    live.refresh()
    return live.version


def published_changed(app: Flask) -> None:
    """After a publish or revert: this process reads the overrides again at once."""
    live: LiveWording | None = app.extensions.get(EXTENSION_KEY)
    if live is not None:
        live.refresh(force=True)


def init_wording(app: Flask) -> None:
    """Lay the published overrides over the catalogs for this app."""
    app.extensions[EXTENSION_KEY] = LiveWording(
        refresh_seconds=float(app.config.get("WORDING_REFRESH_SECONDS", 2))
    )
    # One Babel serves every app of the process (tests build several): its domain is
    # set once; each app keeps its own overrides in app.extensions.
    if not isinstance(babel.__dict__.get("domain_instance"), WordingDomain):
        babel.__dict__["domain_instance"] = WordingDomain()
