"""Drafting, publishing and reverting a message's wording; what the editor lists.

Every change is one row: a draft replaces the message's earlier draft; publishing
retires the version that was live; a revert publishes an older version's text again
(or retires the override, so the catalog's own text speaks). Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.timeutil import as_utc, utcnow
from app.wording.messages import (
    LOCALES,
    CatalogMessage,
    EditRefused,
    catalog_messages,
    check_edit,
)
from app.wording.models import DRAFT, PUBLISHED, RETIRED, WordingOverride

RECENT = timedelta(days=7)


def _current(key: str, locale: str, state: str) -> WordingOverride | None:
    return db.session.scalar(
        select(WordingOverride).where(
            WordingOverride.msgid_hash == key,
            WordingOverride.locale == locale,
            WordingOverride.state == state,
        )
    )


def save_draft(message: CatalogMessage, texts: dict[str, str], author_id: int) -> list[str]:
    """Keep the typed texts as drafts (EditRefused if one breaks a rule); the locales
    drafted. A text equal to what is live already needs no draft."""
    checked = {}
    for locale in LOCALES:
        try:
            checked[locale] = check_edit(message, texts[locale])
        except EditRefused as refused:
            raise EditRefused(refused.reason, locale) from refused
    drafted = []
    for locale, text in checked.items():
        draft = _current(message.key, locale, DRAFT)
        live = _current(message.key, locale, PUBLISHED)
        if text == (live.text if live else message.texts.get(locale, "")):
            if draft is not None:
                db.session.delete(draft)
            continue
        if draft is None:
            draft = WordingOverride(msgid=message.msgid, msgid_hash=message.key, locale=locale)
            db.session.add(draft)
        draft.text, draft.author_id, draft.created_at = text, author_id, utcnow()
        drafted.append(locale)
    return drafted


def _retire(row: WordingOverride | None, now: datetime) -> None:
    if row is not None:
        row.state, row.retired_at = RETIRED, now


def publish_drafts(key: str | None = None) -> int:
    """Publish the drafts (of one message, or all); returns how many went live."""
    query = select(WordingOverride).where(WordingOverride.state == DRAFT)
    if key is not None:
        query = query.where(WordingOverride.msgid_hash == key)
    now = utcnow()
    drafts = list(db.session.scalars(query))
    for draft in drafts:
        _retire(_current(draft.msgid_hash, draft.locale, PUBLISHED), now)
        draft.state, draft.published_at = PUBLISHED, now
    return len(drafts)


def revert_to(version_id: int | None, message: CatalogMessage, locale: str, author_id: int) -> None:
    """Make an older version live again (a new row with its text), or, with None, take
    the override away so the catalog's text speaks."""
    now = utcnow()
    _retire(_current(message.key, locale, PUBLISHED), now)
    if version_id is None:
        return
    older = db.session.get(WordingOverride, version_id)
    if older is None or older.msgid_hash != message.key or older.locale != locale:
        raise LookupError("no such version of this message")
    again = WordingOverride(
        msgid=message.msgid,
        msgid_hash=message.key,
        locale=locale,
        text=older.text,
        state=PUBLISHED,
        author_id=author_id,
        created_at=now,
        published_at=now,
    )
    db.session.add(again)


def history(key: str) -> list[WordingOverride]:
    """Every version of the message, newest first."""
    return list(
        db.session.scalars(
            select(WordingOverride)
            .where(WordingOverride.msgid_hash == key)
            .order_by(WordingOverride.created_at.desc(), WordingOverride.id.desc())
        )
    )


@dataclass(frozen=True)
class EditorRow:
    message: CatalogMessage
    # What pages show now, and what a draft would show, by locale.
    live: dict[str, str]
    drafts: dict[str, str]
    changed: bool
    edited_at: datetime | None


def _rows_by_key() -> dict[str, list[WordingOverride]]:
    found: dict[str, list[WordingOverride]] = {}
    for row in db.session.scalars(
        select(WordingOverride).where(WordingOverride.state.in_((DRAFT, PUBLISHED)))
    ):
        found.setdefault(row.msgid_hash, []).append(row)
    return found


def editor_rows(search: str = "", show: str = "all") -> list[EditorRow]:
    """The messages as the editor lists them: `search` in any text; `show` one of all,
    missing (a language without text), changed (edited here), recent (last 7 days)."""
    overrides = _rows_by_key()
    needle = search.strip().casefold()
    since = utcnow() - RECENT
    rows = []
    for message in catalog_messages().values():
        mine = overrides.get(message.key, [])
        live = {**message.texts}
        live.update({r.locale: r.text for r in mine if r.state == PUBLISHED})
        drafts = {r.locale: r.text for r in mine if r.state == DRAFT}
        edited = max((as_utc(r.created_at) for r in mine), default=None)
        row = EditorRow(message, live, drafts, bool(mine), edited)
        if needle and not any(
            needle in text.casefold() for text in (message.msgid, *live.values())
        ):
            continue
        if show == "missing" and all(live.get(locale) for locale in LOCALES):
            continue
        if show == "changed" and not row.changed:
            continue
        if show == "recent" and not (edited and edited >= since):
            continue
        rows.append(row)
    return rows


def published_overrides() -> list[WordingOverride]:
    """What is live, for `flask wording merge`."""
    return list(
        db.session.scalars(
            select(WordingOverride)
            .where(WordingOverride.state == PUBLISHED)
            .order_by(WordingOverride.locale, WordingOverride.id)
        )
    )
