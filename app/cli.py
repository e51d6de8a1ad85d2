"""The `flask` commands: each package defines its own, this module only registers them."""

from __future__ import annotations

from flask import Flask

from app.catalog.commands import catalog
from app.jobs.commands import backup, clock, worker
from app.landing.commands import landing
from app.media.commands import media
from app.orders.commands import orders
from app.outbox.commands import ga4, outbox
from app.payments.commands import payments
from app.privacy.commands import keys, privacy
from app.staff.commands import staff
from app.web.commands import assets
from app.wording.commands import wording

COMMANDS = (
    catalog,
    orders,
    payments,
    outbox,
    ga4,
    privacy,
    keys,
    assets,
    landing,
    worker,
    clock,
    backup,
    staff,
    wording,
    media,
)


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
