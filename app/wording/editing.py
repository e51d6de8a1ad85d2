"""Drafting, publishing and reverting a message's wording; what the editor lists.

Every change is one row: a draft replaces the message's earlier draft; publishing
retires the version that was live; a revert publishes an older version's text again
(or retires the override, so the catalog's own text speaks). A plural message's forms
are edited as a singular message's languages are: each (language, form) is its own slot
with its own draft, live version and history. Callers commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from app.extensions import db
from app.timeutil import as_utc, utcnow
from app.wording.messages import (
    CatalogMessage,
    EditRefused,
    Slot,
    catalog_messages,
    check_edit,
    kind_matches,
)
from app.wording.models import DRAFT, PUBLISHED, RETIRED, WordingOverride

RECENT = timedelta(days=7)


def _same_form(form: int | None) -> ColumnElement[bool]:
    # NULL is never equal to NULL in SQL: a singular message's rows are asked for apart.
    return WordingOverride.form.is_(None) if form is None else WordingOverride.form == form


def _current(key: str, slot: Slot, state: str) -> WordingOverride | None:
    locale, form = slot
    return db.session.scalar(
        select(WordingOverride).where(
            WordingOverride.msgid_hash == key,
            WordingOverride.locale == locale,
            _same_form(form),
            WordingOverride.state == state,
        )
    )


def save_draft(message: CatalogMessage, texts: dict[Slot, str], author_id: int) -> list[Slot]:
    """Keep the typed texts (one per language, or per language and plural form) as
    drafts (EditRefused if one breaks a rule); the slots drafted. A text equal to what
    is live already needs no draft."""
    checked = {}
    for locale, form in message.slots:
        try:
            checked[(locale, form)] = check_edit(message, texts[(locale, form)], form)
        except EditRefused as refused:
            raise EditRefused(refused.reason, locale, form) from refused
    drafted = []
    for slot, text in checked.items():
        draft = _current(message.key, slot, DRAFT)
        live = _current(message.key, slot, PUBLISHED)
        if text == (live.text if live else message.catalog_text(*slot)):
            if draft is not None:
                db.session.delete(draft)
            continue
        if draft is None:
            locale, form = slot
            draft = WordingOverride(
                msgid=message.msgid, msgid_hash=message.key, locale=locale, form=form
            )
            db.session.add(draft)
        draft.text, draft.author_id, draft.created_at = text, author_id, utcnow()
        drafted.append(slot)
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
        _retire(_current(draft.msgid_hash, (draft.locale, draft.form), PUBLISHED), now)
        draft.state, draft.published_at = PUBLISHED, now
    return len(drafts)


def revert_to(version_id: int | None, message: CatalogMessage, slot: Slot, author_id: int) -> None:
    """Make an older version of one slot live again (a new row with its text), or, with
    None, take the override away so the catalog's text speaks."""
    locale, form = slot
    if form not in message.forms:
        raise LookupError("no such form of this message")
    now = utcnow()
    _retire(_current(message.key, slot, PUBLISHED), now)
    if version_id is None:
        return
    older = db.session.get(WordingOverride, version_id)
    if older is None or (older.msgid_hash, older.locale, older.form) != (message.key, *slot):
        raise LookupError("no such version of this message")
    again = WordingOverride(
        msgid=message.msgid,
        msgid_hash=message.key,
        locale=locale,
        form=form,
        text=older.text,
        state=PUBLISHED,
        author_id=author_id,
        created_at=now,
        published_at=now,
    )
    db.session.add(again)


def history(message: CatalogMessage) -> list[WordingOverride]:
    """Every version of the message, newest first (not a text kept for it while it was
    of the other kind, singular or plural: that one is listed as no longer used)."""
    rows = db.session.scalars(
        select(WordingOverride)
        .where(WordingOverride.msgid_hash == message.key)
        .order_by(WordingOverride.created_at.desc(), WordingOverride.id.desc())
    )
    return [row for row in rows if kind_matches(message, row.form)]


@dataclass(frozen=True)
class EditorRow:
    message: CatalogMessage
    # What pages show now, and what a draft would show, by (locale, form).
    live: dict[Slot, str]
    drafts: dict[Slot, str]
    changed: bool
    edited_at: datetime | None


def _rows_by_key() -> dict[str, list[WordingOverride]]:
    found: dict[str, list[WordingOverride]] = {}
    for row in db.session.scalars(
        select(WordingOverride).where(WordingOverride.state.in_((DRAFT, PUBLISHED)))
    ):
        found.setdefault(row.msgid_hash, []).append(row)
    return found


def _editor_row(message: CatalogMessage, overrides: list[WordingOverride]) -> EditorRow:
    mine = [r for r in overrides if kind_matches(message, r.form)]
    live = {slot: message.catalog_text(*slot) for slot in message.slots}
    live.update({(r.locale, r.form): r.text for r in mine if r.state == PUBLISHED})
    drafts = {(r.locale, r.form): r.text for r in mine if r.state == DRAFT}
    edited = max((as_utc(r.created_at) for r in mine), default=None)
    return EditorRow(message, live, drafts, bool(mine), edited)


def editor_row(message: CatalogMessage) -> EditorRow:
    """One message as the editor shows it."""
    return _editor_row(message, _rows_by_key().get(message.key, []))


def editor_rows(search: str = "", show: str = "all") -> list[EditorRow]:
    """The messages as the editor lists them: `search` in any text (a plural message's
    both sources and every form included); `show` one of all, missing (a language
    without text), changed (edited here), recent (last 7 days)."""
    overrides = _rows_by_key()
    needle = search.strip().casefold()
    since = utcnow() - RECENT
    rows = []
    for message in catalog_messages().values():
        row = _editor_row(message, overrides.get(message.key, []))
        sources = (message.msgid, message.plural or "")
        if needle and not any(needle in text.casefold() for text in (*sources, *row.live.values())):
            continue
        if show == "missing" and all(row.live.values()):
            continue
        if show == "changed" and not row.changed:
            continue
        if show == "recent" and not (row.edited_at and row.edited_at >= since):
            continue
        rows.append(row)
    return rows


def no_longer_used() -> list[WordingOverride]:
    """Drafts and published texts kept for a message the catalogs no longer have in that
    shape (its msgid changed, or it became plural, or singular again): pages no longer
    show them, so the editor lists them for marketing to type in again where they
    belong. Oldest message first."""
    messages = catalog_messages()
    rows = db.session.scalars(
        select(WordingOverride)
        .where(WordingOverride.state.in_((DRAFT, PUBLISHED)))
        .order_by(WordingOverride.msgid, WordingOverride.locale, WordingOverride.id)
    )
    return [row for row in rows if not kind_matches(messages.get(row.msgid), row.form)]


def published_overrides() -> list[WordingOverride]:
    """What is live, for `flask wording merge`."""
    return list(
        db.session.scalars(
            select(WordingOverride)
            .where(WordingOverride.state == PUBLISHED)
            .order_by(WordingOverride.locale, WordingOverride.id)
        )
    )
