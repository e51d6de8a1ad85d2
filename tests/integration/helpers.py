"""Small helpers for integration tests."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path

from sqlalchemy import select

from app.extensions import db
from app.orders.models import Order
from app.outbox.models import OutboxMessage
from app.outbox.worker import run_once

NBSP = "\u00a0"


def _form(defaults: dict[str, str], overrides: dict[str, str | None]) -> dict[str, str]:
    """Defaults with overrides applied; an override of None leaves the field out."""
    merged = {**defaults, **overrides}
    return {k: v for k, v in merged.items() if v is not None}


def checkout_data(**overrides: str | None) -> dict[str, str]:
    return _form(
        {
            "name": "João Conceição",
            "email": "joao@example.pt",
            "phone": "912 345 678",
            "nif": "",
            "payment_method": "card",
            "accept_terms": "y",
        },
        overrides,
    )


def lead_data(**overrides: str | None) -> dict[str, str]:
    return _form(
        {
            "name": "Ana-Sofia D'Ávila",
            "email": "ana@example.pt",
            "business_type": "services",
            "business_stage": "growing",
        },
        overrides,
    )


def only_order() -> Order:
    orders = db.session.scalars(select(Order)).all()
    assert len(orders) == 1, orders
    return orders[0]


def token_from(location: str) -> str:
    match = re.search(r"/(?:order|demo/card|demo/mbway)/([A-Za-z0-9_-]+)", location)
    assert match, location
    return match.group(1)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def messages(channel: str | None = None) -> list[OutboxMessage]:
    db.session.rollback()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    return list(db.session.scalars(query))


def read_eml(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def deliver_until_settled(channel: str | None = None, timeout: float = 10) -> None:
    """Run the worker's batches until none of the channel's (or any) messages is pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_once()
        if all(m.status != "pending" for m in messages(channel)):
            return
        time.sleep(0.02)
    raise AssertionError(f"{channel or 'outbox'} messages still pending after {timeout} s")
