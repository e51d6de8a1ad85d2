"""Discount codes and early-bird tiers made for tests, the way the back office keeps them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.catalog.discounts import DiscountCode
from app.catalog.models import Offer
from app.catalog.tiers import stored_tiers
from app.extensions import db
from app.timeutil import utcnow


def offer_named(slug: str = "bilhete-geral") -> Offer:
    return db.session.scalar(select(Offer).where(Offer.slug == slug))


def make_code(
    code: str = "CAFE10", kind: str = "percent", value: int = 10, active: bool = True, **fields
) -> int:
    """A code, committed; its id."""
    row = DiscountCode(code=code, kind=kind, value=value, active=active, note="", **fields)
    db.session.add(row)
    db.session.commit()
    return row.id


def early_bird(price_cents: int, ends_in: timedelta, slug: str = "bilhete-geral") -> None:
    """One early-bird tier on the offer, ending `ends_in` from now (negative: ended)."""
    offer = offer_named(slug)
    offer.price_tiers = stored_tiers([(utcnow() + ends_in, price_cents)])
    db.session.commit()
