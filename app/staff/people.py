"""The people the team works with: attendees (paid tickets) and leads, as rows for the
pages and the CSV exports. Names and emails are encrypted, so they are read back here,
never searched or sorted by the database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.leads.forms import BUSINESS_STAGES, BUSINESS_TYPES, choice_label
from app.leads.models import Lead
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.timeutil import to_lisbon

LEADS_PAGE = 50


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str
    ticket: str
    reference: str
    nif: str
    paid_at: datetime | None


def attendees() -> list[Attendee]:
    """Everyone holding a paid ticket, one row per seat (a seat refunded alone is left
    out), sorted by name as the door reads a list. A seat named by nobody is the buyer's."""
    orders = db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.PAID)
        .options(joinedload(Order.customer), joinedload(Order.offer), selectinload(Order.tickets))
    )
    rows = [
        Attendee(
            name=ticket.attendee_name or order.name_on_order,
            email=ticket.attendee_email or order.email_on_order,
            ticket=order.offer.localized_name("pt_PT"),
            reference=order.id.hex[:8].upper(),
            nif=order.billing_nif or "",
            paid_at=order.paid_at,
        )
        for order in orders
        for ticket in order.tickets
        if ticket.voided_at is None
    ]
    return sorted(rows, key=lambda row: (row.name.casefold(), row.reference))


def _leads_query(consenting_only: bool):  # type: ignore[no-untyped-def]
    query = select(Lead).options(joinedload(Lead.customer))
    if consenting_only:
        query = query.where(Lead.marketing_consent.is_(True), Lead.confirmed_at.is_not(None))
    return query.order_by(Lead.created_at.desc(), Lead.id.desc())


def leads_page(consenting_only: bool, page: int) -> tuple[list[Lead], int]:
    """(a page of leads, newest first; how many in all)."""
    query = _leads_query(consenting_only)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = db.session.scalars(query.limit(LEADS_PAGE).offset((max(1, page) - 1) * LEADS_PAGE))
    return list(found), int(total)


def _when(value: datetime | None) -> str:
    return to_lisbon(value).isoformat(timespec="minutes") if value else ""


def _csv_lines(header: list[str], rows: Iterator[list[str]]) -> Iterator[str]:
    """CSV text a line at a time (an export streams; it never builds the file in memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _chain(header, rows):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)


def _chain(header: list[str], rows: Iterator[list[str]]) -> Iterator[list[str]]:
    yield header
    yield from rows


def attendees_csv(with_nif: bool) -> Iterator[str]:
    header = ["name", "email", "ticket", "reference", "paid_at"] + (["nif"] if with_nif else [])
    rows = (
        [a.name, a.email, a.ticket, a.reference, _when(a.paid_at)] + ([a.nif] if with_nif else [])
        for a in attendees()
    )
    return _csv_lines(header, rows)


def leads_csv(consenting_only: bool) -> Iterator[str]:
    header = [
        "name",
        "email",
        "business_type",
        "business_stage",
        "marketing_consent",
        "first_source",
        "first_campaign",
        "confirmed_at",
        "created_at",
    ]

    def rows() -> Iterator[list[str]]:
        for lead in db.session.scalars(
            _leads_query(consenting_only).execution_options(yield_per=500)
        ):
            yield [
                lead.customer.name,
                lead.customer.email,
                choice_label(BUSINESS_TYPES, lead.business_type),
                choice_label(BUSINESS_STAGES, lead.business_stage),
                "yes" if lead.marketing_consent else "no",
                lead.first_source or "direct",
                lead.first_campaign or "",
                _when(lead.confirmed_at),
                _when(lead.created_at),
            ]

    return _csv_lines(header, rows())
