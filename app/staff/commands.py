"""`flask staff add|list|remove`: who may sign in to the back office, and as what."""

from __future__ import annotations

import click

from app.staff.accounts import add_member, find_member, members, remove_member
from app.staff.roles import ROLES
from app.staff.second_factor import enrol, remove
from app.web.input_rules import normalize_email


@click.group(help="The team: who may sign in to the back office (/staff), and with which role.")
def staff() -> None:
    pass


@staff.command("add", help="Add a member (or change their role). They sign in at /staff/login.")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="owner, marketing or door.")
def staff_add(email: str, role: str) -> None:
    member = add_member(normalize_email(email), role)
    click.echo(f"{member.email} is {member.role}; they sign in at /staff/login")


@staff.command("list", help="Every member and their role.")
def staff_list() -> None:
    found = members()
    if not found:
        click.echo("no staff members yet: flask staff add EMAIL --role owner")
    for member in found:
        last = (
            member.last_sign_in_at.isoformat(timespec="minutes")
            if member.last_sign_in_at
            else "never"
        )
        click.echo(f"{member.email}\t{member.role}\tlast sign-in: {last}")


@staff.command("remove", help="Remove a member: their sessions end at once.")
@click.argument("email")
def staff_remove(email: str) -> None:
    if not remove_member(email):
        raise click.ClickException(f"no staff member {email}")
    click.echo(f"{normalize_email(email)} removed; their sessions have ended")


@staff.command(
    "totp", help="Turn on the second factor (an authenticator app's code) for a member, or --off."
)
@click.argument("email")
@click.option("--off", is_flag=True, help="Turn it off again.")
def staff_totp(email: str, off: bool) -> None:
    member = find_member(email)
    if member is None:
        raise click.ClickException(f"no staff member {email}")
    if off:
        remove(member)
        click.echo(f"{member.email}: the sign-in link no longer asks for a code")
        return
    address = enrol(member)
    click.echo(f"{member.email}: from now on the sign-in link also asks for a 6-digit code.")
    click.echo("Add this to their authenticator app (as a QR code, or type the secret):")
    click.echo(address)
