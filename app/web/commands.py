"""`flask assets build`: the front-end files, copied into static/built/ with hashed names."""

from __future__ import annotations

import click

from app.assets import build_assets


@click.group(help="Front-end files.")
def assets() -> None:
    pass


@assets.command("build", help="Copy htmx, CSS and JS into static/built/ with hashed names.")
def assets_build() -> None:
    for logical, built in build_assets().items():
        click.echo(f"{logical} -> static/{built}")
