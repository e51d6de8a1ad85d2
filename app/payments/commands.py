"""`flask payments refund|reconcile|callback-url`: money back, orders kept in step with
payments, and the address a gateway calls."""

from __future__ import annotations

import click
from flask import current_app

from app.money import parse_euros
from app.orders.lookup import find_order
from app.payments.provider import PaymentProviderError
from app.payments.reconcile import reconcile
from app.payments.refunds import refund_order
from app.payments.registry import providers_in_use


@click.group(help="Payments at the provider.")
def payments() -> None:
    pass


@payments.command("refund", help="Refund a paid order (all of it, or --amount euros).")
@click.argument("order_ref")
@click.option("--amount", help="Euros to refund, e.g. 50 or 49.50; default: what is left.")
def payments_refund(order_ref: str, amount: str | None) -> None:
    order = find_order(order_ref)
    if order is None:
        raise click.ClickException(f"no order {order_ref}")
    try:
        cents = parse_euros(amount) if amount else None
        reference = refund_order(order, cents)
    except (ValueError, PaymentProviderError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"refund {reference} requested for order {order.id}")


@payments.command(
    "reconcile",
    help="Once: expire orders whose hold has passed, close their payments at the provider, "
    "and read late payments there. `flask worker` does this every few seconds.",
)
def payments_reconcile() -> None:
    result = reconcile()
    click.echo(
        f"{result.expired} orders expired; {result.closed} payments closed at the provider; "
        f"{result.checked} read at the provider, {result.settled} settled"
    )


@payments.command(
    "callback-url",
    help="Print the address each provider in use must call (to register in its dashboard).",
)
def payments_callback_url() -> None:
    base = current_app.config["BASE_URL"]
    for provider in providers_in_use().providers:
        url = provider.notification_url(base)
        if url:
            click.echo(f"{provider.name}: {url}")
        for problem in provider.notification_problems(current_app.config):
            click.echo(f"{provider.name}: {problem}", err=True)
