"""The catalogs' messages as the editor shows them, and the rules an edit must keep.

The source is the `.po` files in translations/ (what `make translations` keeps): the
English msgid, the pt-PT and English texts. A plural message (ngettext) has one text per
plural form in each language; both catalogs have two forms (`plural=(n != 1)`): form 0
for one, form 1 for any other number. Each (language, form) is a "slot" the editor fills.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from app.paths import PROJECT_ROOT

LOCALES = ("pt_PT", "en")
# A singular message has one text per language (form None); a plural one, two forms.
SINGULAR: tuple[int | None, ...] = (None,)
PLURAL_FORMS: tuple[int | None, ...] = (0, 1)
TRANSLATIONS = PROJECT_ROOT / "translations"
# %(amount)s, %(num)d, %s: what gettext fills in; an edit must keep each one.
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif]")
# Messages this short are labels and buttons: room on a phone is tight.
SHORT = 32
ROOM = 8

Slot = tuple[str, int | None]


def message_key(msgid: str) -> str:
    """A short, stable name for a message (URLs, the index)."""
    return hashlib.sha256(msgid.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class CatalogMessage:
    msgid: str
    # The catalogs' texts, by locale ("" when a catalog lacks it); for a plural message,
    # the texts of form 0 (the other forms are in `plural_texts`).
    texts: dict[str, str]
    # A plural message's English plural source (msgid_plural); None for a singular one.
    plural: str | None = None
    # A plural message's catalog texts by (locale, form).
    plural_texts: dict[Slot, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return message_key(self.msgid)

    @property
    def forms(self) -> tuple[int | None, ...]:
        return PLURAL_FORMS if self.plural is not None else SINGULAR

    @property
    def slots(self) -> list[Slot]:
        return [(locale, form) for locale in LOCALES for form in self.forms]

    def source(self, form: int | None) -> str:
        """The English source a form is written from: form 1 from the plural msgid."""
        return self.plural if form == 1 and self.plural is not None else self.msgid

    def catalog_text(self, locale: str, form: int | None) -> str:
        if form is None:
            return self.texts.get(locale, "")
        return self.plural_texts.get((locale, form), "")

    def placeholders_of(self, form: int | None) -> list[str]:
        return sorted(set(PLACEHOLDER.findall(self.source(form))))

    @property
    def placeholders(self) -> list[str]:
        found = {p for form in self.forms for p in self.placeholders_of(form)}
        return sorted(found)

    @property
    def longest(self) -> int | None:
        """The length to keep within, for labels and buttons; None where text can flow."""
        sources = [self.source(form) for form in self.forms]
        texts = [self.catalog_text(locale, form) for locale, form in self.slots]
        lengths = [len(text) for text in (*sources, *texts)]
        return max(lengths) + ROOM if max(len(s) for s in sources) <= SHORT else None


def _po_path(locale: str, root: Path) -> Path:
    return root / locale / "LC_MESSAGES" / "messages.po"


@cache
def _catalog_at(root: Path, stamp: tuple[float, ...]) -> dict[str, CatalogMessage]:
    texts: dict[str, dict[str, str]] = {}
    plurals: dict[str, str] = {}
    forms: dict[str, dict[Slot, str]] = {}
    for locale in LOCALES:
        with _po_path(locale, root).open("rb") as po:
            catalog = read_po(po, locale=locale)
        for message in catalog:
            if not message.id:
                continue  # the header
            if isinstance(message.id, str):
                texts.setdefault(message.id, {})[locale] = message.string or ""
                continue
            singular, plural = message.id[0], message.id[1]
            strings = message.string if isinstance(message.string, tuple) else ()
            plurals[singular] = plural
            texts.setdefault(singular, {})[locale] = strings[0] if strings else ""
            for form in PLURAL_FORMS:
                text = strings[form] if form is not None and form < len(strings) else ""
                forms.setdefault(singular, {})[(locale, form)] = text or ""
    return {
        msgid: CatalogMessage(msgid, by_locale, plurals.get(msgid), forms.get(msgid, {}))
        for msgid, by_locale in sorted(texts.items())
    }


def catalog_messages(root: Path = TRANSLATIONS) -> dict[str, CatalogMessage]:
    """Every message, by msgid; read again only when a `.po` file changed."""
    stamp = tuple(_po_path(locale, root).stat().st_mtime for locale in LOCALES)
    return _catalog_at(root, stamp)


def by_key(key: str) -> CatalogMessage | None:
    return next((m for m in catalog_messages().values() if m.key == key), None)


def kind_matches(message: CatalogMessage | None, form: int | None) -> bool:
    """Whether an override of `form` still applies to the catalog's message: a text kept
    for a singular msgid that has since become plural (or the other way) no longer does."""
    return message is not None and (form is None) == (message.plural is None)


class EditRefused(ValueError):
    """An edit that would break the page: `reason` says why, `locale` in which text and
    `form` in which of a plural message's forms (None for a singular message)."""

    def __init__(self, reason: str, locale: str | None = None, form: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.locale = locale
        self.form = form


def check_edit(message: CatalogMessage, text: str, form: int | None = None) -> str:
    """The text as it will be stored; EditRefused when it cannot be used. A plural form
    keeps the placeholders of its own source (form 0 the singular msgid, form 1 the
    plural), so a singular that says "one seat" without %(num)d stays possible."""
    text = text.strip()
    if not text:
        raise EditRefused("empty")
    if any(ord(ch) < 32 and ch != "\n" for ch in text):
        raise EditRefused("control")
    if Counter(PLACEHOLDER.findall(text)) != Counter(PLACEHOLDER.findall(message.source(form))):
        raise EditRefused("placeholders")
    return text
