"""`flask wording merge|list`: marketing's published wording back into the `.po` files.

`make translations` runs `merge` first, so what the team typed in the back office is in
the catalogs the next deploy ships (and the completeness test reads).
"""

from __future__ import annotations

import click
from babel.messages.pofile import read_po, write_po
from sqlalchemy.exc import SQLAlchemyError

from app.wording.editing import published_overrides
from app.wording.messages import TRANSLATIONS


def merge_into_catalogs(overrides: dict[str, dict[str, str]]) -> int:
    """Write {locale: {msgid: text}} into translations/<locale>; returns messages changed."""
    changed = 0
    for locale, texts in overrides.items():
        path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as po:
            catalog = read_po(po, locale=locale)
        for msgid, text in texts.items():
            message = catalog.get(msgid)
            if message is not None and message.string != text:
                message.string = text
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
    overrides: dict[str, dict[str, str]] = {}
    for row in rows:
        overrides.setdefault(row.locale, {})[row.msgid] = row.text
    changed = merge_into_catalogs(overrides)
    click.echo(f"{changed} messages written into the catalogs from {len(rows)} published")


@wording.command("list", help="The published wording, one line each.")
def wording_list() -> None:
    for row in published_overrides():
        click.echo(f"{row.locale}\t{row.msgid[:60]!r}\t{row.text[:60]!r}")
