"""Small helpers for integration tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.checkout.models import Order
from app.extensions import db

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
