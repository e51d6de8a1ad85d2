"""`flask landing previews`: draw the landing's link-preview images into static/built/."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from app.assets import AssetsMissing
from app.catalog.services import CatalogError
from app.landing.preview_image import build_previews


@click.group(help="The landing page.")
def landing() -> None:
    pass


@landing.command("previews", help="Draw the link-preview image (og:image) of each language.")
@click.option("--file", "path", type=click.Path(dir_okay=False), default=None)
def landing_previews(path: str | None) -> None:
    # From the event file, not the database: `make assets` runs before any migration.
    source = Path(path or current_app.config["EVENT_DATA_FILE"])
    try:
        drawn = build_previews(source)
    except (CatalogError, AssetsMissing) as exc:
        raise click.ClickException(f"{source}: {exc}") from exc
    for lang, built in drawn.items():
        click.echo(f"og-image {lang} -> static/{built}")
