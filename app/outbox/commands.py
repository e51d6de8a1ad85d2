"""Flask commands for the outbox's outside systems: `flask ga4 debug`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.outbox.adapters.base import DeliveryFailed
from app.outbox.adapters.ga4 import Ga4NotConfigured, debug_sample


@click.group("ga4", help="Google Analytics 4 (Measurement Protocol).")
def ga4() -> None:
    pass


@ga4.command(
    "debug",
    help="Send a sample purchase, shaped as the shop sends them, to GA4's validation server "
    "and print what it finds. Exits 1 when it finds anything.",
)
@with_appcontext
def ga4_debug() -> None:
    try:
        messages = debug_sample(current_app.config)
    except Ga4NotConfigured as exc:
        raise click.ClickException(f"GA4 is not configured: {exc}") from exc
    except DeliveryFailed as exc:
        raise click.ClickException(f"GA4 validation server: {exc.reason}") from exc
    if not messages:
        click.echo("no validation messages: the payload is valid")
        return
    for message in messages:
        click.echo(
            f"{message.get('validationCode', '?')} {message.get('fieldPath', '-')}: "
            f"{message.get('description', '')}"
        )
    raise click.exceptions.Exit(1)
