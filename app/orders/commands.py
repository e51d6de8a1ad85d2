"""`flask orders review`: the orders a person must look at; `flask orders offer-freed-seats`:
the clock's waiting-list turn, now."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.extensions import db
from app.money import format_money
from app.orders.freed_seats import offer_freed_seats
from app.orders.models import Order


@click.group(help="Orders.")
def orders() -> None:
    pass


@orders.command("review", help="List orders flagged for a person to look at.")
def orders_review() -> None:
    flagged = db.session.scalars(
        select(Order).where(Order.review_reason.is_not(None)).order_by(Order.updated_at)
    ).all()
    for order in flagged:
        click.echo(
            f"{order.id.hex[:8]}  {order.review_reason:<26} {order.status:<17} "
            f"{format_money(order.amount_cents, 'pt_PT')}  {order.provider_reference or '-'}"
        )
    click.echo(f"{len(flagged)} orders to review")


@orders.command(
    "offer-freed-seats",
    help="Offer free seats to the waiting lists now (the clock does it every minute).",
)
def orders_offer_freed_seats() -> None:
    turn = offer_freed_seats()
    click.echo(f"{turn.offered} seats offered, {turn.passed} held seats passed on")
