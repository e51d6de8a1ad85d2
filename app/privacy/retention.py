"""Retention: personal data is kept only as long as the privacy policy says (run daily)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from app.audit.models import AuditEntry
from app.consent.models import ConsentRecord
from app.customers.models import Customer
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.invoicing.models import InvoiceDocument
from app.leads.models import Lead
from app.leads.services import delete_leads, delete_unconfirmed_changes
from app.orders.models import Order, OrderStatusChange
from app.orders.states import OrderStatus
from app.orders.tickets import Ticket
from app.outbox.models import SEALED_FIELD, OutboxMessage, OutboxStatus
from app.payments.models import WebhookEvent
from app.privacy.erasure import erase_person, payment_may_be_open
from app.privacy.models import PrivacyRequest
from app.timeutil import as_utc, utcnow
from app.waitlist.models import WaitlistEntry
from app.waitlist.services import ON_THE_LIST


@dataclass
class PurgeReport:
    people_erased: int = 0
    unconfirmed_leads_deleted: int = 0
    orders_deleted: int = 0
    consent_records_deleted: int = 0
    outbox_messages_deleted: int = 0
    sealed_addresses_cleared: int = 0
    access_links_deleted: int = 0
    unconfirmed_lead_changes_deleted: int = 0
    audit_entries_deleted: int = 0

    def lines(self) -> list[str]:
        return [f"{name.replace('_', ' ')}: {value}" for name, value in vars(self).items()]


def _last_activity(customer: Customer, lead: Lead | None) -> datetime:
    moments = [as_utc(customer.created_at), as_utc(customer.updated_at)]
    if lead is not None:
        moments.append(as_utc(lead.updated_at))
    for order in customer.orders:
        moments.append(as_utc(order.updated_at))
    joined = db.session.scalars(
        select(WaitlistEntry.joined_at).where(WaitlistEntry.customer_id == customer.id)
    )
    moments.extend(as_utc(moment) for moment in joined)
    return max(moments)


def _still_waiting(customer_id: int) -> bool:
    """On a waiting list now: the place (and the person it writes to) stays."""
    return bool(
        db.session.scalar(
            select(WaitlistEntry.id).where(
                WaitlistEntry.customer_id == customer_id, WaitlistEntry.state.in_(ON_THE_LIST)
            )
        )
    )


def _purge_people(report: PurgeReport, horizon: datetime, lead_horizon: datetime) -> None:
    """Erase people gone quiet, and leads never confirmed (the person too, unless they bought)."""
    for customer_id in db.session.scalars(select(Customer.id).order_by(Customer.id)).all():
        customer = db.session.get(Customer, customer_id)
        if customer is None:
            continue
        lead = db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))
        if any(payment_may_be_open(order) for order in customer.orders):
            continue
        if _last_activity(customer, lead) < horizon:
            erase_person(customer.id, notify=False, reason="retention")
            report.people_erased += 1
            continue
        unconfirmed = (
            lead is not None
            and lead.confirmed_at is None
            and as_utc(lead.created_at) < lead_horizon
        )
        if not unconfirmed:
            continue
        if customer.orders or _still_waiting(customer.id):
            # A buyer stays (the ticket is theirs), as does a person on a waiting list;
            # only the unconfirmed lead goes.
            begin_locking_transaction()
            delete_leads(Lead.id == lead.id)
            db.session.commit()
        else:
            erase_person(customer.id, notify=False, reason="unconfirmed lead")
        report.unconfirmed_leads_deleted += 1


def _purge_orders(report: PurgeReport, order_horizon: datetime) -> None:
    """Orders past the tax authority's period go, with their history and tickets (the caller
    commits)."""
    old_orders = select(Order.id).where(
        Order.created_at < order_horizon, Order.status != OrderStatus.AWAITING_PAYMENT
    )
    old_ids = list(db.session.scalars(old_orders))
    if old_ids:
        db.session.execute(delete(OrderStatusChange).where(OrderStatusChange.order_id.in_(old_ids)))
        db.session.execute(delete(WebhookEvent).where(WebhookEvent.order_id.in_(old_ids)))
        db.session.execute(delete(InvoiceDocument).where(InvoiceDocument.order_id.in_(old_ids)))
        db.session.execute(delete(Ticket).where(Ticket.order_id.in_(old_ids)))
        db.session.execute(delete(Order).where(Order.id.in_(old_ids)))
    report.orders_deleted = len(old_ids)
    # The audit log is kept as long as the orders it is about.
    report.audit_entries_deleted = db.session.execute(
        delete(AuditEntry).where(AuditEntry.at < order_horizon)
    ).rowcount


def _purge_records(report: PurgeReport, now: datetime, horizon: datetime) -> None:
    """Old consent proofs, finished messages, sealed addresses and links (caller commits)."""
    report.consent_records_deleted = db.session.execute(
        delete(ConsentRecord).where(ConsentRecord.created_at < horizon)
    ).rowcount
    report.outbox_messages_deleted = db.session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.status != OutboxStatus.PENDING,
            or_(OutboxMessage.finished_at < horizon, OutboxMessage.created_at < horizon),
        )
    ).rowcount
    for message in db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.kind.in_(("erase", "erasure_confirmation")),
            OutboxMessage.created_at < now - timedelta(days=30),
        )
    ):
        if SEALED_FIELD in (message.payload or {}):
            message.payload = {k: v for k, v in message.payload.items() if k != SEALED_FIELD}
            report.sealed_addresses_cleared += 1
    report.access_links_deleted = db.session.execute(
        delete(PrivacyRequest).where(PrivacyRequest.expires_at < now - timedelta(days=1))
    ).rowcount


def purge(now: datetime | None = None) -> PurgeReport:
    """Apply the retention policy once; safe to run again at any time (daily in production).

    - people whose last interaction is older than PRIVACY_RETENTION_MONTHS are erased
      (orders kept anonymized), without an email;
    - leads never confirmed within UNCONFIRMED_LEAD_DAYS are deleted, and the person
      with them unless they bought;
    - orders older than ORDER_RETENTION_YEARS (the tax authority's period) are deleted,
      and the audit log's entries as old;
    - cookie-consent proofs and finished outbox messages older than the retention period
      are deleted; addresses sealed in erasure messages are cleared after 30 days even if
      the message could not be delivered; used or expired access links go after a day;
    - lead-form submissions never confirmed within UNCONFIRMED_LEAD_DAYS are deleted.
    """
    config = current_app.config
    now = now or utcnow()
    report = PurgeReport()
    horizon = now - timedelta(days=30.4375 * int(config["PRIVACY_RETENTION_MONTHS"]))
    lead_horizon = now - timedelta(days=int(config["UNCONFIRMED_LEAD_DAYS"]))
    _purge_people(report, horizon, lead_horizon)
    begin_locking_transaction()
    _purge_orders(report, now - timedelta(days=365.25 * int(config["ORDER_RETENTION_YEARS"])))
    _purge_records(report, now, horizon)
    report.unconfirmed_lead_changes_deleted = delete_unconfirmed_changes(lead_horizon)
    db.session.commit()
    return report
