"""Finding orders for the team: by reference (as shown, "#7066C592", in any case), by email
(through the blind index), or by name, the buyer's or any attendee's, forgiving accents
and case as the door does (names are encrypted, so they are read back and compared
here), with filters."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import joinedload

from app.customers.models import Customer
from app.customers.services import find_customer_by_email
from app.extensions import db
from app.orders.models import Order
from app.orders.tickets import Ticket
from app.web.input_rules import folded

PAGE_SIZE = 50
SHORT_REFERENCE = re.compile(r"^[0-9a-fA-F]{8}$")


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _by_text(query, text: str):  # type: ignore[no-untyped-def]
    """Narrow `query` to what `text` names: a reference, an email, or part of a name
    (returned as the words to look for)."""
    # The pages show a reference as "#7066C592": the "#" copied with it is no part of it.
    text = text.removeprefix("#").strip()
    if "@" in text:
        customer = find_customer_by_email(text)
        return query.where(Order.customer_id == (customer.id if customer else -1)), None
    try:
        return query.where(Order.id == uuid.UUID(text)), None
    except ValueError:
        pass
    if SHORT_REFERENCE.match(text):
        # The first 8 hex digits of the id: the start of its text on both databases.
        return query.where(cast(Order.id, String).like(f"{text.lower()}%")), None
    return query, folded(text).split()


def search_orders(text: str = "", status: str = "", method: str = "", page: int = 1) -> OrderPage:
    """A page of orders, newest first, matching every filter given."""
    query = select(Order)
    if status:
        query = query.where(Order.status == status)
    if method:
        query = query.where(Order.payment_method == method)
    words = None
    if text.strip():
        query, words = _by_text(query, text.strip())
    query = query.options(joinedload(Order.customer), joinedload(Order.offer)).order_by(
        Order.created_at.desc()
    )
    page = max(1, page)
    if not words:
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        found = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
        return OrderPage(list(found), int(total), page)
    matching = _named(query, words)
    start = (page - 1) * PAGE_SIZE
    wanted = matching[start : start + PAGE_SIZE]
    loaded = {o.id: o for o in db.session.scalars(query.where(Order.id.in_(wanted))).unique()}
    return OrderPage([loaded[i] for i in wanted if i in loaded], len(matching), page)


def _named(query, words: list[str]) -> list[uuid.UUID]:  # type: ignore[no-untyped-def]
    """The ids of the orders of `query`, newest first, where the name on the order or an
    attendee's name holds every word. Only the candidates' names are read back
    (decrypted); the page's orders are loaded whole afterwards."""
    candidates = query.with_only_columns(Order.id).order_by(None).scalar_subquery()
    names = db.session.execute(
        select(Order.id, Order.buyer_name, Customer.name)
        .outerjoin(Customer, Customer.id == Order.customer_id)
        .where(Order.id.in_(candidates))
        .order_by(Order.created_at.desc())
    ).all()
    # The name typed at checkout wins over the person's profile (which a later order
    # may have changed); the tickets' names are the people who come.
    named: dict[uuid.UUID, list[str]] = {
        order_id: [typed if typed is not None else profile or ""]
        for order_id, typed, profile in names
    }
    attendees = db.session.execute(
        select(Ticket.order_id, Ticket.attendee_name).where(Ticket.order_id.in_(candidates))
    )
    for order_id, attendee in attendees:
        if attendee and order_id in named:
            named[order_id].append(attendee)
    return [
        order_id
        for order_id, found in named.items()
        if any(all(word in folded(name) for word in words) for name in found)
    ]
