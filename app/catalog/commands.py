"""`flask catalog sync` and `flask catalog export`: the event data file in and out."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from app.catalog.export import event_as_data, event_yaml
from app.catalog.services import CatalogError, current_event, sync_catalog


@click.group(help="The event and its offers.")
def catalog() -> None:
    pass


@catalog.command("sync", help="Load the event data file into the database.")
@click.option("--file", "path", type=click.Path(dir_okay=False), default=None)
@click.option(
    "--force",
    is_flag=True,
    help="Load it even though the back office has published the event (undoes its edits).",
)
def catalog_sync(path: str | None, force: bool) -> None:
    source = Path(path or current_app.config["EVENT_DATA_FILE"])
    try:
        result = sync_catalog(source, force=force)
    except CatalogError as exc:
        raise click.ClickException(f"{source}: {exc}") from exc
    if result.skipped:
        click.echo(
            f"event {result.event_slug}: not loaded, the back office publishes the event now "
            "(export it with `flask catalog export`, or load the file with --force)"
        )
        return
    click.echo(
        f"event {result.event_slug}: {result.offers_created} offers created, "
        f"{result.offers_updated} updated, {result.offers_retired} retired"
    )


@catalog.command("export", help="Write the live event to PATH in the data file's format.")
@click.argument("path", type=click.Path(dir_okay=False))
def catalog_export(path: str) -> None:
    event = current_event()
    if event is None:
        raise click.ClickException("there is no event in the database to export")
    Path(path).write_text(event_yaml(event_as_data(event)), encoding="utf-8")
    click.echo(f"event {event.slug}: written to {path}")
