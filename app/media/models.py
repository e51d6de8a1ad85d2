"""An uploaded image: what it is for, its alternative text in both languages, and the
files made from it (each width in each format)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

HERO, OG, SPEAKER = "hero", "og", "speaker"
ROLES = (HERO, OG, SPEAKER)


class Image(db.Model):
    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16), index=True)
    # The speaker's name as the event file spells it (names are not translated); a
    # renamed speaker loses the photo rather than showing someone else's.
    speaker_key: Mapped[str | None] = mapped_column(String(120))
    alt_pt: Mapped[str] = mapped_column(Text)
    alt_en: Mapped[str] = mapped_column(Text)
    # The largest variant's size: its ratio is what keeps the page from shifting.
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    # [{"format", "type", "width", "height", "name", "bytes"}], one per file on disk.
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The member who uploaded it (staff keep their row when removed).
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"))

    def alt(self, lang: str) -> str:
        return self.alt_en if lang == "en" else self.alt_pt

    def files(self) -> list[str]:
        return [variant["name"] for variant in self.variants]
