"""Flask commands: catalog sync, order expiry, payments, the outbox, GA4, keys, front-end build."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.outbox.commands import ga4
from app.privacy.commands import privacy


def register(app: Flask) -> None:
    app.cli.add_command(catalog)
    app.cli.add_command(orders)
    app.cli.add_command(payments)
    app.cli.add_command(outbox)
    app.cli.add_command(ga4)
    app.cli.add_command(privacy)
    app.cli.add_command(assets)
    app.cli.add_command(keys)


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


@orders.command(
    "expire",
    help="Expire orders whose payment window has passed, releasing their seats and closing "
    "their payments at the provider. Schedule it every minute.",
)
def orders_expire() -> None:
    from app.checkout.services import expire_overdue_orders
    from app.payments.services import release_pending_payments

    expired = expire_overdue_orders()
    closed = release_pending_payments()
    click.echo(f"{expired} orders expired; {closed} payments closed at the provider")


@orders.command("review", help="List orders flagged for a person to look at.")
def orders_review() -> None:
    from sqlalchemy import select

    from app.checkout.models import Order
    from app.extensions import db
    from app.money import format_money

    flagged = db.session.scalars(
        select(Order).where(Order.review_reason.is_not(None)).order_by(Order.updated_at)
    ).all()
    for order in flagged:
        click.echo(
            f"{order.id.hex[:8]}  {order.review_reason:<26} {order.status:<17} "
            f"{format_money(order.amount_cents, 'pt_PT')}  {order.provider_reference or '-'}"
        )
    click.echo(f"{len(flagged)} orders to review")


@click.group(help="Payments at the provider.")
def payments() -> None:
    pass


@payments.command("refund", help="Refund a paid order (all of it, or --amount euros).")
@click.argument("order_ref")
@click.option("--amount", help="Euros to refund, e.g. 50 or 49.50; default: what is left.")
def payments_refund(order_ref: str, amount: str | None) -> None:
    from app.checkout.services import find_order
    from app.money import parse_euros
    from app.payments.provider import PaymentProviderError
    from app.payments.services import refund_order

    order = find_order(order_ref)
    if order is None:
        raise click.ClickException(f"no order {order_ref}")
    try:
        cents = parse_euros(amount) if amount else None
        reference = refund_order(order, cents)
    except (ValueError, PaymentProviderError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"refund {reference} requested for order {order.id}")


@click.group(help="The outbox: messages to email, Kit, the CRM and GA4.")
def outbox() -> None:
    pass


@outbox.command("work", help="Deliver outbox messages until stopped (the Procfile's worker).")
@click.option("--batch", default=20, show_default=True, help="Messages taken at a time.")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to wait when idle.")
@click.option("--until-idle", is_flag=True, help="Stop once nothing is due (for scripts).")
def outbox_work(batch: int, idle: float, until_idle: bool) -> None:
    import signal
    import threading

    from app.outbox.worker import work

    stop = threading.Event()
    # SIGTERM (a deploy, `make run` ending) and Ctrl+C finish the message in hand first.
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in signals}
    if not until_idle:
        click.echo("outbox worker started (Ctrl+C or SIGTERM to stop)")
    try:
        totals = work(batch=batch, idle_seconds=idle, stop=stop, until_idle=until_idle)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(totals.items()))
    click.echo(f"outbox worker stopped: {summary or 'nothing to do'}")


@outbox.command("status", help="Counts by state (delivered, retrying, dead...) and last errors.")
def outbox_status() -> None:
    from app.outbox.worker import report

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


@click.group(help="Keys that encrypt personal data at rest (DATA_KEYS, BLIND_INDEX_KEY).")
def keys() -> None:
    pass


@keys.command(
    "generate",
    help="Print a new data key (key_id:key) to put first in DATA_KEYS, or with "
    "--blind-index a key for BLIND_INDEX_KEY.",
)
@click.option("--blind-index", is_flag=True, help="A key for BLIND_INDEX_KEY instead.")
def keys_generate(blind_index: bool) -> None:
    from app.privacy.crypto import new_key, new_key_id

    click.echo(new_key() if blind_index else f"{new_key_id()}:{new_key()}")


@keys.command(
    "rotate",
    help="Re-encrypt every value not under the first key of DATA_KEYS, and recompute "
    "email blind indexes under BLIND_INDEX_KEY. Safe to run again; 0 re-encrypted means "
    "the older keys can be removed.",
)
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
def keys_rotate(batch: int) -> None:
    from app.privacy.crypto import DecryptionError
    from app.privacy.rotation import rotate_keys

    try:
        report = rotate_keys(batch)
    except DecryptionError as exc:
        raise click.ClickException(str(exc)) from exc
    for column in report.columns:
        click.echo(
            f"{column.column}: {column.reencrypted} re-encrypted, "
            f"{column.already_current} already under {report.key_id}"
        )
    click.echo(f"customers.email_index: {report.reindexed} recomputed")


@click.group(help="Front-end files.")
def assets() -> None:
    pass


@assets.command("build", help="Copy htmx, CSS and JS into static/built/ with hashed names.")
def assets_build() -> None:
    from app.assets import build_assets

    for logical, built in build_assets().items():
        click.echo(f"{logical} -> static/{built}")
