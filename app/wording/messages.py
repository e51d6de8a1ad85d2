"""The catalogs' messages as the editor shows them, and the rules an edit must keep.

The source is the `.po` files in translations/ (what `make translations` keeps): the
English msgid, the pt-PT and English texts. Plural messages are left to developers.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from app.paths import PROJECT_ROOT

LOCALES = ("pt_PT", "en")
TRANSLATIONS = PROJECT_ROOT / "translations"
# %(amount)s, %(num)d, %s: what gettext fills in; an edit must keep each one.
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif]")
# Messages this short are labels and buttons: room on a phone is tight.
SHORT = 32
ROOM = 8


def message_key(msgid: str) -> str:
    """A short, stable name for a message (URLs, the index)."""
    return hashlib.sha256(msgid.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CatalogMessage:
    msgid: str
    # The catalogs' texts, by locale ("" when a catalog lacks it).
    texts: dict[str, str]

    @property
    def key(self) -> str:
        return message_key(self.msgid)

    @property
    def placeholders(self) -> list[str]:
        return sorted(set(PLACEHOLDER.findall(self.msgid)))

    @property
    def longest(self) -> int | None:
        """The length to keep within, for labels and buttons; None where text can flow."""
        lengths = [len(self.msgid), *(len(text) for text in self.texts.values())]
        return max(lengths) + ROOM if len(self.msgid) <= SHORT else None


def _po_path(locale: str, root: Path) -> Path:
    return root / locale / "LC_MESSAGES" / "messages.po"


@cache
def _catalog_at(root: Path, stamp: tuple[float, ...]) -> dict[str, CatalogMessage]:
    texts: dict[str, dict[str, str]] = {}
    for locale in LOCALES:
        with _po_path(locale, root).open("rb") as po:
            catalog = read_po(po, locale=locale)
        for message in catalog:
            if not message.id or not isinstance(message.id, str):
                continue  # the header, and plural messages
            texts.setdefault(message.id, {})[locale] = message.string or ""
    return {msgid: CatalogMessage(msgid, by_locale) for msgid, by_locale in sorted(texts.items())}


def catalog_messages(root: Path = TRANSLATIONS) -> dict[str, CatalogMessage]:
    """Every singular message, by msgid; read again only when a `.po` file changed."""
    stamp = tuple(_po_path(locale, root).stat().st_mtime for locale in LOCALES)
    return _catalog_at(root, stamp)


def by_key(key: str) -> CatalogMessage | None:
    return next((m for m in catalog_messages().values() if m.key == key), None)


class EditRefused(ValueError):
    """An edit that would break the page: `reason` says why, `locale` in which text."""

    def __init__(self, reason: str, locale: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.locale = locale


def check_edit(message: CatalogMessage, text: str) -> str:
    """The text as it will be stored; EditRefused when it cannot be used."""
    text = text.strip()
    if not text:
        raise EditRefused("empty")
    if any(ord(ch) < 32 and ch != "\n" for ch in text):
        raise EditRefused("control")
    if Counter(PLACEHOLDER.findall(text)) != Counter(PLACEHOLDER.findall(message.msgid)):
        raise EditRefused("placeholders")
    return text
