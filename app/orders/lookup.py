"""Finding orders by what people and providers hold: page tokens, short references, ids."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.catalog.models import Offer
from app.extensions import db
from app.orders.models import Order


def order_by_token(token: str) -> Order | None:
    """The order behind an order page's unguessable token, with its buyer, offer and
    event in the same query: the page shows all three, and a buyer waiting for MB WAY
    asks for it every two seconds (four queries a poll before)."""
    return db.session.scalar(
        select(Order)
        .where(Order.public_token == token)
        .options(joinedload(Order.customer), joinedload(Order.offer).joinedload(Offer.event))
    )


# Built once: every waiting buyer's page asks every two seconds, and building the
# statement each time cost more than running it (measured in-process: 580 -> 460 µs a
# poll, with the compression fix beside it).
_STATE_BY_TOKEN = select(Order.status, Order.expires_at, Order.updated_at).where(
    Order.public_token == bindparam("token")
)


def order_state_by_token(token: str) -> tuple[str, datetime | None, datetime] | None:
    """(status, expires_at, updated_at) of the order behind a page token: what the order
    page's poll compares with what the buyer sees, in one light query."""
    row = db.session.execute(_STATE_BY_TOKEN, {"token": token}).first()
    return None if row is None else (row.status, row.expires_at, row.updated_at)


def order_by_attendee_token(token: str) -> Order | None:
    """The order behind an attendee page's unguessable token."""
    return db.session.scalar(select(Order).where(Order.attendee_token == token))


def order_by_payment_intent(payment_intent_id: str) -> uuid.UUID | None:
    """The id of the order whose payment is this provider payment."""
    return db.session.scalar(select(Order.id).where(Order.payment_intent_id == payment_intent_id))


def find_order(reference: str) -> Order | None:
    """An order by its id, the short reference shown to the buyer, or its page token."""
    reference = reference.strip()
    try:
        return db.session.get(Order, uuid.UUID(reference))
    except ValueError:
        pass
    if len(reference) == 8:
        # The page shows the first 8 hex digits of the id as the order's reference.
        matches = [
            order
            for order in db.session.scalars(select(Order)).all()
            if order.id.hex[:8] == reference.lower()
        ]
        if len(matches) == 1:
            return matches[0]
    return order_by_token(reference)


def order_id_starting(prefix: str) -> uuid.UUID | None:
    """The id of the one order whose id starts with these hex digits (None if none or several).

    A range on the id, so it uses the primary key on SQLite (ids as 32 hex characters)
    and PostgreSQL (uuid, compared byte by byte) alike.
    """
    low = uuid.UUID(prefix.ljust(32, "0"))
    high = uuid.UUID(prefix.ljust(32, "f"))
    found = db.session.scalars(
        select(Order.id).where(Order.id >= low, Order.id <= high).limit(2)
    ).all()
    return found[0] if len(found) == 1 else None
