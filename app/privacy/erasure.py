"""Erasure (GDPR art. 17): the person goes; their orders stay for the tax authority,
pointing to nobody; Kit and the CRM are asked, through the outbox, to forget them too."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select

from app.audit.log import forget_person
from app.consent.models import ConsentRecord
from app.customers.models import Customer
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.leads.models import Lead
from app.leads.services import delete_leads
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.outbox.models import OutboxMessage, OutboxStatus
from app.outbox.services import enqueue
from app.payments.closing import abandon_payment, release_payment
from app.privacy.export import messages_about
from app.privacy.models import PrivacyRequest
from app.privacy.sealing import seal
from app.timeutil import utcnow
from app.waitlist.models import SeatOffer, WaitlistEntry

log = logging.getLogger(__name__)


class PaymentInProgress(Exception):
    """A payment may still be open at the provider: erasure waits until it ends."""


def close_open_payments(customer_id: int) -> None:
    """Before an erasure: stop waiting for any open payment (closing it at the provider).

    A payment the provider cannot close yet (or that was paid meanwhile) is left as it
    is; erase_person then tells the person to try again once it has ended.
    """
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        return
    for order in list(customer.orders):
        if order.status == OrderStatus.AWAITING_PAYMENT:
            abandon_payment(order, reason="personal_data_erased")
        elif order.release_pending:
            release_payment(order)


def payment_may_be_open(order: Order) -> bool:
    """The order waits for its payment, or its payment is not yet closed at the provider."""
    return order.status == OrderStatus.AWAITING_PAYMENT or order.release_pending


@dataclass(frozen=True)
class Erasure:
    orders_anonymized: int
    outside_deletions: list[str]


def _reached(messages: list[OutboxMessage], channel: str) -> bool:
    """Whether an outside system may hold the person: something was delivered to it."""
    return any(m.channel == channel and m.status == OutboxStatus.DELIVERED for m in messages)


def _unlink_messages(messages: list[OutboxMessage], reason: str) -> None:
    """What was sent stays on record but points to nobody; nothing more is sent."""
    for message in messages:
        # SQLite may even give the person's id to someone new.
        message.customer_id = None
        if "customer_id" in (message.payload or {}):
            message.payload = {**message.payload, "customer_id": None}
        if message.status == OutboxStatus.PENDING:
            message.status = OutboxStatus.SKIPPED
            message.finished_at = utcnow()
            message.last_error = f"person erased ({reason})"


def _delete_person(customer: Customer) -> int:
    """Anonymize the orders, delete everything else of the person; returns orders kept."""
    now = utcnow()
    orders = list(customer.orders)
    for order in orders:
        order.customer_id = None
        order.billing_nif = None
        order.buyer_name = None
        order.buyer_phone = None
        order.attendee_email = None
        for ticket in order.tickets:
            ticket.attendee_name = None
            ticket.attendee_email = None
        order.company_name = None
        order.company_address = None
        order.ga_client_id = None
        order.client_key = None
        # Where she came from goes with her (the order's counts by campaign with it).
        order.journey = None
        order.first_source = None
        order.first_campaign = None
        order.anonymized_at = now
    if customer.consent_id:
        db.session.execute(
            delete(ConsentRecord).where(ConsentRecord.consent_id == customer.consent_id)
        )
    db.session.execute(delete(PrivacyRequest).where(PrivacyRequest.customer_id == customer.id))
    delete_leads(Lead.customer_id == customer.id)
    _delete_waitlist_places(customer.id)
    forget_person(customer.id)
    db.session.flush()
    db.session.delete(customer)
    db.session.flush()
    return len(orders)


def _delete_waitlist_places(customer_id: int) -> None:
    """Their places on waiting lists and the seats offered to them (a held seat frees up
    and the clock offers it to the next person)."""
    places = select(WaitlistEntry.id).where(WaitlistEntry.customer_id == customer_id)
    db.session.execute(delete(SeatOffer).where(SeatOffer.entry_id.in_(places.scalar_subquery())))
    db.session.execute(delete(WaitlistEntry).where(WaitlistEntry.customer_id == customer_id))


def _queue_goodbyes(
    email: str, locale: str, messages: list[OutboxMessage], orders_kept: int, notify: bool
) -> list[str]:
    """Deletions at Kit and the CRM (only where the person was sent), and the confirmation.

    Keyed by a random id, since the person's ids are gone.
    """
    erasure_id = uuid.uuid4().hex
    sealed = seal(email)
    outside = []
    for channel in ("kit", "crm"):
        if _reached(messages, channel):
            enqueue(channel, "erase", dict(sealed), f"erasure:{erasure_id}:{channel}")
            outside.append(channel)
    if notify:
        enqueue(
            "email",
            "erasure_confirmation",
            {**sealed, "locale": locale, "orders_kept": orders_kept, "outside": outside},
            f"erasure:{erasure_id}:email",
        )
    return outside


def erase_person(customer_id: int, *, notify: bool, reason: str) -> Erasure:
    """Delete the person; keep their orders with nothing that identifies them. Commits.

    Orders still waiting for a payment must end first (PaymentInProgress). Kit and the
    CRM get a deletion through the outbox only if they ever received the person (the
    CRM would otherwise add an unknown address to its block list). With `notify`, a
    confirmation goes to the address that was erased.
    """
    begin_locking_transaction()
    customer = db.session.get(Customer, customer_id, with_for_update=True)
    if customer is None:
        db.session.rollback()
        raise LookupError("no such person")
    if any(payment_may_be_open(order) for order in customer.orders):
        # Money may still arrive for it: the person is kept until the payment ends.
        db.session.rollback()
        raise PaymentInProgress
    email, locale = customer.email, customer.locale
    messages = messages_about(customer.id)
    _unlink_messages(messages, reason)
    orders_kept = _delete_person(customer)
    outside = _queue_goodbyes(email, locale, messages, orders_kept, notify)
    db.session.commit()
    log.info(
        "privacy: a person was erased (%s); %d orders kept anonymized; outside: %s",
        reason,
        orders_kept,
        ", ".join(outside) or "none",
    )
    return Erasure(orders_anonymized=orders_kept, outside_deletions=outside)
