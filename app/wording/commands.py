"""`flask wording merge|list`: marketing's published wording back into the `.po` files.

`make translations` runs `merge` first, so what the team typed in the back office is in
the catalogs the next deploy ships (and the completeness test reads).
"""

from __future__ import annotations

import click
from babel.messages.catalog import Message
from babel.messages.pofile import read_po, write_po
from sqlalchemy.exc import SQLAlchemyError

from app.wording.editing import published_overrides
from app.wording.messages import TRANSLATIONS


def _merged(message: Message, form: int | None, text: str) -> bool:
    """Write one text into a catalog message; False when it is already there or the
    message is no longer of that kind (a singular text kept for a msgid now plural)."""
    plural = isinstance(message.id, tuple)
    if plural != (form is not None):
        return False
    if form is None:
        if message.string == text:
            return False
        message.string = text
        return True
    strings = list(message.string) if isinstance(message.string, tuple) else []
    strings += [""] * (form + 1 - len(strings))
    if strings[form] == text:
        return False
    strings[form] = text
    message.string = tuple(strings)
    return True


def merge_into_catalogs(overrides: dict[str, dict[str | tuple[str, int], str]]) -> int:
    """Write {locale: {msgid or (msgid, form): text}} into translations/<locale>;
    returns the texts changed."""
    changed = 0
    for locale, texts in overrides.items():
        path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as po:
            catalog = read_po(po, locale=locale)
        for key, text in texts.items():
            msgid, form = key if isinstance(key, tuple) else (key, None)
            message = catalog.get(msgid)
            if message is not None and _merged(message, form, text):
                changed += 1
        with path.open("wb") as po:
            # The same layout as `make translations` writes, so diffs stay small.
            write_po(po, catalog, width=100, sort_output=True)
    return changed


@click.group(help="Marketing's edits of the shop's wording.")
def wording() -> None:
    pass


@wording.command("merge", help="Write the published wording into translations/*.po.")
def wording_merge() -> None:
    try:
        rows = published_overrides()
    except SQLAlchemyError as exc:
        click.echo(f"no wording overrides read ({type(exc).__name__}): catalogs unchanged")
        return
    overrides: dict[str, dict[str | tuple[str, int], str]] = {}
    for row in rows:
        key = row.msgid if row.form is None else (row.msgid, row.form)
        overrides.setdefault(row.locale, {})[key] = row.text
    changed = merge_into_catalogs(overrides)
    click.echo(f"{changed} messages written into the catalogs from {len(rows)} published")


@wording.command("list", help="The published wording, one line each.")
def wording_list() -> None:
    for row in published_overrides():
        form = "" if row.form is None else f"[{row.form}]"
        click.echo(f"{row.locale}\t{row.msgid[:60]!r}{form}\t{row.text[:60]!r}")
