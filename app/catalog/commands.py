"""`flask catalog sync`: load the event data file into the database."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from app.catalog.services import CatalogError, sync_catalog


@click.group(help="The event and its offers.")
def catalog() -> None:
    pass


@catalog.command("sync", help="Load the event data file into the database.")
@click.option("--file", "path", type=click.Path(dir_okay=False), default=None)
def catalog_sync(path: str | None) -> None:
    source = Path(path or current_app.config["EVENT_DATA_FILE"])
    try:
        result = sync_catalog(source)
    except CatalogError as exc:
        raise click.ClickException(f"{source}: {exc}") from exc
    click.echo(
        f"event {result.event_slug}: {result.offers_created} offers created, "
        f"{result.offers_updated} updated, {result.offers_retired} retired"
    )
