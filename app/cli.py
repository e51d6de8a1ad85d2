"""Flask commands: catalog sync, order expiry, front-end build."""

from __future__ import annotations

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    app.cli.add_command(catalog)
    app.cli.add_command(orders)
    app.cli.add_command(assets)


@click.group(help="The event and its offers.")
def catalog() -> None:
    pass


@catalog.command("sync", help="Load the event data file into the database.")
@click.option("--file", "path", type=click.Path(dir_okay=False), default=None)
def catalog_sync(path: str | None) -> None:
    from pathlib import Path

    from app.catalog.services import CatalogError, sync_catalog

    source = Path(path or current_app.config["EVENT_DATA_FILE"])
    try:
        result = sync_catalog(source)
    except CatalogError as exc:
        raise click.ClickException(f"{source}: {exc}") from exc
    click.echo(
        f"event {result.event_slug}: {result.offers_created} offers created, "
        f"{result.offers_updated} updated, {result.offers_retired} retired"
    )


@click.group(help="Orders.")
def orders() -> None:
    pass


@orders.command("expire", help="Expire orders whose payment window has passed (schedule it).")
def orders_expire() -> None:
    from app.checkout.services import expire_overdue_orders

    click.echo(f"{expire_overdue_orders()} orders expired")


@click.group(help="Front-end files.")
def assets() -> None:
    pass


@assets.command("build", help="Copy htmx, CSS and JS into static/built/ with hashed names.")
def assets_build() -> None:
    from app.assets import build_assets

    for logical, built in build_assets().items():
        click.echo(f"{logical} -> static/{built}")
