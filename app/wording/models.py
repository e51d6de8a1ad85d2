"""Overrides of the catalogs' messages, one row per version of one message in one language.

A message in a language (and, for a plural message, in one of its forms) has at most one
draft and at most one published version; the versions it had before stay, retired, as its
history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

DRAFT, PUBLISHED, RETIRED = "draft", "published", "retired"


class WordingOverride(db.Model):
    __tablename__ = "wording_overrides"
    __table_args__ = (Index("ix_wording_overrides_key", "msgid_hash", "locale", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The catalog message (its msgid, the English source text) and a short hash of it,
    # which names it in URLs and indexes.
    msgid: Mapped[str] = mapped_column(Text)
    msgid_hash: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(5))
    # Which plural form of an ngettext message (0 for one, 1 for several), as gettext
    # keys it (`(msgid, form)`); None for a singular message. A column rather than a
    # msgid with the form encoded in it: the msgid stays the catalog's own text, so
    # `flask wording merge`, the history and the search read it as it is.
    form: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    # The team member who typed it (no foreign key: a member may be removed later).
    author_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
