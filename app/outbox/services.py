"""Queueing outbox messages in the same transaction as the change that causes them.

Callers add messages to the session they are about to commit; nothing here commits.
A page therefore never waits on an outside system: the worker delivers later.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from app.checkout.models import Customer, Order
from app.extensions import db
from app.leads.models import Lead
from app.outbox.models import OutboxMessage, OutboxStatus
from app.timeutil import utcnow


def enqueue(
    channel: str,
    kind: str,
    payload: dict[str, Any],
    key: str,
    customer_id: int | None = None,
) -> OutboxMessage | None:
    """Add a message to the current transaction; a key already queued is not queued again.

    `customer_id` names the person it is about, for their export and their erasure.
    """
    pending = [
        obj
        for obj in db.session.new
        if isinstance(obj, OutboxMessage) and obj.idempotency_key == key
    ]
    if pending:
        return None
    with db.session.no_autoflush:
        exists = db.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        )
    if exists:
        return None
    message = OutboxMessage(
        channel=channel,
        kind=kind,
        payload=payload,
        idempotency_key=key,
        customer_id=customer_id,
        status=OutboxStatus.PENDING,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    return message


def _lead_of(customer: Customer) -> Lead | None:
    with db.session.no_autoflush:
        return db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))


def _contact(customer: Customer, stage: str) -> dict[str, Any]:
    lead = _lead_of(customer)
    return {
        "customer_id": customer.id,
        "stage": stage,
        "business_type": lead.business_type if lead else None,
        "business_stage": lead.business_stage if lead else None,
    }


# -- what happens in the shop, and who must hear of it ---------------------------------


def order_paid(order: Order) -> None:
    """Confirmation email with the invite, the CRM, the buyer in Kit (with confirmed
    marketing consent) and a GA4 purchase (with analytics consent)."""
    if order.customer is None:
        return  # paid after the buyer was erased: nobody to tell
    base = f"order:{order.id}:paid"
    who = order.customer_id
    enqueue("email", "order_confirmation", {"order_id": str(order.id)}, f"{base}:email", who)
    contact = _contact(order.customer, "buyer")
    lead = _lead_of(order.customer)
    if lead is not None and lead.marketing_consent and lead.confirmed_at is not None:
        # The email platform is marketing: only people who asked for it (and confirmed).
        enqueue("kit", "subscriber", contact, f"{base}:kit", who)
    enqueue("crm", "purchase", {**contact, "order_id": str(order.id)}, f"{base}:crm", who)
    if order.ga_client_id:
        enqueue("ga4", "purchase", {"order_id": str(order.id)}, f"{base}:ga4", who)


def order_refunded(order: Order, refunded_cents: int) -> None:
    """A refund notice for each new refunded total; GA4 hears of a full refund."""
    base = f"order:{order.id}:refunded:{refunded_cents}"
    payload = {"order_id": str(order.id), "refunded_cents": refunded_cents}
    who = order.customer_id
    if order.customer is not None:
        # An erased buyer's refund still happens at the provider, which tells them.
        enqueue("email", "refund_notice", payload, f"{base}:email", who)
    if order.ga_client_id and refunded_cents >= order.amount_cents:
        enqueue("ga4", "refund", payload, f"{base}:ga4", who)


def lead_stored(lead: Lead) -> None:
    """A lead not yet confirmed gets the double opt-in email (again, if it comes back)."""
    if lead.confirmed_at is None:
        enqueue(
            "email",
            "lead_confirmation",
            {"lead_id": lead.id},
            f"lead:{lead.id}:confirmation:{uuid.uuid4().hex}",
            lead.customer_id,
        )


def lead_confirmed(lead: Lead) -> None:
    """A confirmed lead goes to the CRM; to the email platform only with marketing consent."""
    base = f"lead:{lead.id}:confirmed:{lead.confirmed_at:%Y%m%d%H%M%S}"
    contact = _contact(lead.customer, "lead")
    if lead.marketing_consent:
        enqueue("kit", "subscriber", contact, f"{base}:kit", lead.customer_id)
    enqueue("crm", "contact", contact, f"{base}:crm", lead.customer_id)
