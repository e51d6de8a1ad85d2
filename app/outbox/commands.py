"""`flask outbox work|status` and `flask ga4 debug`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.outbox.adapters.ga4 import Ga4NotConfigured, debug_sample
from app.outbox.errors import DeliveryFailed
from app.outbox.worker import report, work
from app.stopping import until_signalled


@click.group(help="The outbox: messages to email, Kit, the CRM and GA4.")
def outbox() -> None:
    pass


@outbox.command(
    "work", help="Deliver outbox messages until stopped (`flask worker` also reconciles payments)."
)
@click.option("--batch", default=20, show_default=True, help="Messages taken at a time.")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to wait when idle.")
@click.option("--until-idle", is_flag=True, help="Stop once nothing is due (for scripts).")
def outbox_work(batch: int, idle: float, until_idle: bool) -> None:
    if not until_idle:
        click.echo("outbox worker started (Ctrl+C or SIGTERM to stop)")
    with until_signalled() as stop:
        totals = work(batch=batch, idle_seconds=idle, stop=stop, until_idle=until_idle)
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(totals.items()))
    click.echo(f"outbox worker stopped: {summary or 'nothing to do'}")


@outbox.command("status", help="Counts by state (delivered, retrying, dead...) and last errors.")
def outbox_status() -> None:
    result = report()
    counts = result.counts
    waiting = counts.get("pending", 0) - result.retrying
    click.echo(
        f"delivered {counts.get('delivered', 0)}  waiting {waiting}  "
        f"retrying {result.retrying}  dead {counts.get('dead', 0)}  "
        f"skipped {counts.get('skipped', 0)}"
    )
    if result.recent_errors:
        click.echo("last errors:")
        for message_id, channel, kind, attempts, error in result.recent_errors:
            click.echo(f"  #{message_id} {channel}/{kind} after {attempts} attempts: {error}")


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
