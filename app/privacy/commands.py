"""`flask privacy ...` (retention, rights exercised by letter or phone) and `flask keys ...`."""

from __future__ import annotations

import json

import click

from app.customers.services import find_customer_by_email
from app.personal_data.encryption import DecryptionError, new_key, new_key_id
from app.privacy.erasure import PaymentInProgress, close_open_payments, erase_person
from app.privacy.export import export_person
from app.privacy.retention import purge
from app.privacy.rotation import rotate_keys


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
    click.echo(new_key() if blind_index else f"{new_key_id()}:{new_key()}")


@keys.command(
    "rotate",
    help="Re-encrypt every value not under the first key of DATA_KEYS, and recompute "
    "email blind indexes under BLIND_INDEX_KEY. Safe to run again; 0 re-encrypted means "
    "the older keys can be removed.",
)
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
def keys_rotate(batch: int) -> None:
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
