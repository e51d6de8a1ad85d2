"""`flask privacy ...`: retention, and rights exercised by letter or phone."""

from __future__ import annotations

import json

import click

from app.checkout.services import find_customer_by_email
from app.privacy.services import (
    PaymentInProgress,
    close_open_payments,
    erase_person,
    export_person,
    purge,
)


@click.group(help="Personal data: retention (purge), export and erasure on request.")
def privacy() -> None:
    pass


@privacy.command("purge", help="Apply the retention policy (run daily).")
def privacy_purge() -> None:
    report = purge()
    for line in report.lines():
        click.echo(line)


@privacy.command("export", help="Print everything held about the person with this email.")
@click.argument("email")
def privacy_export(email: str) -> None:
    customer = find_customer_by_email(email)
    if customer is None:
        raise click.ClickException("no person with that email")
    click.echo(json.dumps(export_person(customer.id), ensure_ascii=False, indent=2))


@privacy.command("erase", help="Erase the person with this email (a request by letter or phone).")
@click.argument("email")
@click.option("--notify/--no-notify", default=True, help="Email the person a confirmation.")
@click.confirmation_option(prompt="Erase this person for good?")
def privacy_erase(email: str, notify: bool) -> None:
    customer = find_customer_by_email(email)
    if customer is None:
        raise click.ClickException("no person with that email")
    close_open_payments(customer.id)
    try:
        result = erase_person(customer.id, notify=notify, reason="operator")
    except PaymentInProgress as exc:
        raise click.ClickException("a payment is still in progress: try again later") from exc
    click.echo(
        f"erased; {result.orders_anonymized} orders kept anonymized; deletion queued at: "
        f"{', '.join(result.outside_deletions) or 'none'}"
    )
