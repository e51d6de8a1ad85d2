"""GDPR rights without anyone doing them by hand: access links, export, erasure, retention.

A person proves they own an email by following a link sent to it; the link opens the
privacy centre once. From there they download everything the shop holds about them, or
erase it. Erasure deletes the profile, the lead and the consents, keeps orders for the
tax authority with nothing that points to the person, and asks the email platform and
the CRM (through the outbox) to delete them too.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, or_, select

from app.checkout.models import Customer, Order, OrderStatusChange
from app.checkout.services import find_customer_by_email
from app.checkout.states import OrderStatus
from app.consent.models import ConsentRecord
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.leads.models import Lead
from app.outbox.models import OutboxMessage, OutboxStatus
from app.outbox.services import enqueue
from app.payments.models import WebhookEvent
from app.payments.services import abandon_payment
from app.privacy.crypto import encrypt
from app.privacy.models import PrivacyRequest
from app.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

ACCESS_SALT = "privacy-access"
# Where a sealed email travels in an outbox payload (only for erasure messages, whose
# person no longer exists in the shop): encrypted, and removed once delivered.
SEALED_KEY = "sealed_email"
SEALED_PURPOSE = "outbox.sealed_email"


class PaymentInProgress(Exception):
    """An order is still waiting for its payment: erasure waits until it ends."""


def link_consent_choices(customer_id: int, consent_id: str | None) -> None:
    """Remember which browser's cookie choices belong to this person (for their export
    and their erasure); the latest browser they used wins."""
    if not consent_id:
        return
    begin_locking_transaction()
    customer = db.session.get(Customer, customer_id)
    if customer is not None and customer.consent_id != consent_id:
        customer.consent_id = consent_id
    db.session.commit()


# -- access links ------------------------------------------------------------------------


def link_minutes() -> int:
    return int(current_app.config["PRIVACY_LINK_MINUTES"])


def request_access(email: str, locale: str) -> None:
    """Queue an access link for this email if the shop knows it; otherwise do nothing.

    The caller shows the same answer either way, so the form never tells a stranger
    whether someone is a customer.
    """
    begin_locking_transaction()
    customer = find_customer_by_email(email)
    if customer is None:
        db.session.rollback()
        return
    now = utcnow()
    request = PrivacyRequest(
        customer_id=customer.id,
        locale=locale,
        created_at=now,
        expires_at=now + timedelta(minutes=link_minutes()),
    )
    db.session.add(request)
    db.session.flush()
    enqueue(
        "email",
        "privacy_link",
        {"request_id": request.id},
        # Random: SQLite may give a deleted request's id to a new one.
        f"privacy:{request.id}:link:{uuid.uuid4().hex}",
        customer.id,
    )
    db.session.commit()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ACCESS_SALT)


def access_token(request_id: int) -> str:
    """The signed token in the emailed link (only the worker makes it, when it sends)."""
    return _serializer().dumps(request_id)


@dataclass(frozen=True)
class AccessCheck:
    state: str  # ok, used, expired, invalid
    request: PrivacyRequest | None = None


def check_access(token: str) -> AccessCheck:
    """Whether a link may open the privacy centre, without using it up."""
    try:
        request_id = _serializer().loads(token, max_age=link_minutes() * 60)
    except SignatureExpired:
        return AccessCheck("expired")
    except BadSignature:
        return AccessCheck("invalid")
    if not isinstance(request_id, int):
        return AccessCheck("invalid")
    request = db.session.get(PrivacyRequest, request_id)
    if request is None:
        # A genuine link whose request is gone: the person was erased since (which uses
        # the link up), or it was purged long after expiring.
        return AccessCheck("used")
    if request.used_at is not None:
        return AccessCheck("used", request)
    if as_utc(request.expires_at) <= utcnow():
        return AccessCheck("expired", request)
    return AccessCheck("ok", request)


def use_access(token: str) -> tuple[int | None, str]:
    """Use a link once: (customer id, "ok"), or (None, why not)."""
    check = check_access(token)
    if check.state != "ok" or check.request is None:
        return None, check.state
    begin_locking_transaction()
    request = db.session.get(PrivacyRequest, check.request.id, with_for_update=True)
    if request is None or request.used_at is not None:
        db.session.rollback()
        return None, "used"
    request.used_at = utcnow()
    customer_id = request.customer_id
    db.session.commit()
    return customer_id, "ok"


# -- export ------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def _messages_about(customer_id: int) -> list[OutboxMessage]:
    """Every outbox message about this person (their lead, orders, links...)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.customer_id == customer_id)
            .order_by(OutboxMessage.id)
        )
    )


def export_person(customer_id: int) -> dict[str, Any]:
    """Everything the shop holds about one person, as plain JSON-ready data."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise LookupError("no such person")
    lead = db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))
    consent_ids = [customer.consent_id] if customer.consent_id else []
    cookie_choices = db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.consent_id.in_(consent_ids))
        .order_by(ConsentRecord.id)
    ).all()
    orders = []
    for order in sorted(customer.orders, key=lambda o: as_utc(o.created_at)):
        events = db.session.scalars(
            select(WebhookEvent).where(WebhookEvent.order_id == order.id).order_by(WebhookEvent.id)
        ).all()
        orders.append(
            {
                "id": str(order.id),
                "event": order.offer.event.slug,
                "ticket": order.offer.localized_name(customer.locale),
                "status": order.status,
                "amount_cents": order.amount_cents,
                "vat_cents": order.vat_cents,
                "refunded_cents": order.refunded_cents,
                "currency": order.currency,
                "payment_method": order.payment_method,
                "payment_provider": order.provider,
                "provider_reference": order.provider_reference,
                "payment_intent_id": order.payment_intent_id,
                "multibanco_entity": order.multibanco_entity,
                "multibanco_reference": order.multibanco_reference,
                "billing_nif": order.billing_nif,
                "language": order.locale,
                "google_analytics_client_id": order.ga_client_id,
                "created_at": _iso(order.created_at),
                "paid_at": _iso(order.paid_at),
                "status_history": [
                    {
                        "from": change.from_status,
                        "to": change.to_status,
                        "reason": change.reason,
                        "at": _iso(change.created_at),
                    }
                    for change in order.history
                ],
                "payment_notifications": [
                    {"type": event.type, "result": event.result, "at": _iso(event.received_at)}
                    for event in events
                ],
            }
        )
    requests = db.session.scalars(
        select(PrivacyRequest)
        .where(PrivacyRequest.customer_id == customer.id)
        .order_by(PrivacyRequest.id)
    ).all()
    return {
        "format": "cafe-com-vendas-personal-data/1",
        "generated_at": utcnow().isoformat(),
        "profile": {
            "name": customer.name,
            "email": customer.email,
            "phone": customer.phone,
            "nif": customer.nif,
            "language": customer.locale,
            "created_at": _iso(customer.created_at),
            "updated_at": _iso(customer.updated_at),
        },
        "journey": {
            "stage": customer.journey_stage,
            "lead_source": lead.source if lead else None,
        },
        "leads": (
            [
                {
                    "business_type": lead.business_type,
                    "business_stage": lead.business_stage,
                    "source": lead.source,
                    "language": lead.locale,
                    "email_confirmed_at": _iso(lead.confirmed_at),
                    "created_at": _iso(lead.created_at),
                    "updated_at": _iso(lead.updated_at),
                }
            ]
            if lead
            else []
        ),
        "orders": orders,
        "consents": {
            "marketing_email": {
                "given": bool(lead and lead.marketing_consent),
                "given_at": _iso(lead.marketing_consent_at) if lead else None,
                "email_confirmed_at": _iso(lead.confirmed_at) if lead else None,
            },
            "cookie_choices": [
                {
                    "consent_id": record.consent_id,
                    "action": record.action,
                    "analytics": record.analytics,
                    "marketing": record.marketing,
                    "policy_version": record.policy_version,
                    "at": _iso(record.created_at),
                }
                for record in cookie_choices
            ],
        },
        "sent_to_outside_systems": [
            {
                "system": message.channel,
                "what": message.kind,
                "data": {k: v for k, v in (message.payload or {}).items() if k != SEALED_KEY},
                "status": message.status,
                "attempts": message.attempts,
                "queued_at": _iso(message.created_at),
                "finished_at": _iso(message.finished_at),
            }
            for message in _messages_about(customer.id)
        ],
        "privacy_requests": [
            {
                "requested_at": _iso(request.created_at),
                "expires_at": _iso(request.expires_at),
                "used_at": _iso(request.used_at),
            }
            for request in requests
        ],
    }


# -- erasure -----------------------------------------------------------------------------


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
            abandon_payment(order)


@dataclass(frozen=True)
class Erasure:
    orders_anonymized: int
    outside_deletions: list[str]


def _reached(messages: list[OutboxMessage], channel: str) -> bool:
    """Whether an outside system may hold the person: something was delivered to it."""
    return any(m.channel == channel and m.status == OutboxStatus.DELIVERED for m in messages)


def erase_person(customer_id: int, *, notify: bool, reason: str) -> Erasure:
    """Delete the person; keep their orders with nothing that identifies them.

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
    if any(order.status == OrderStatus.AWAITING_PAYMENT for order in customer.orders):
        db.session.rollback()
        raise PaymentInProgress
    email, locale = customer.email, customer.locale
    lead = db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))
    messages = _messages_about(customer.id)
    for message in messages:
        # What was sent stays on record, but no longer points to anyone (SQLite may
        # even give the id to someone new).
        message.customer_id = None
        if "customer_id" in (message.payload or {}):
            message.payload = {**message.payload, "customer_id": None}
        if message.status == OutboxStatus.PENDING:
            # Nothing more is sent about a person who asked to be forgotten.
            message.status = OutboxStatus.SKIPPED
            message.finished_at = utcnow()
            message.last_error = f"person erased ({reason})"
    now = utcnow()
    orders = list(customer.orders)
    for order in orders:
        order.customer_id = None
        order.billing_nif = None
        order.ga_client_id = None
        order.anonymized_at = now
    if customer.consent_id:
        db.session.execute(
            delete(ConsentRecord).where(ConsentRecord.consent_id == customer.consent_id)
        )
    db.session.execute(delete(PrivacyRequest).where(PrivacyRequest.customer_id == customer.id))
    if lead is not None:
        db.session.delete(lead)
    db.session.flush()
    db.session.delete(customer)
    db.session.flush()

    # The erasure's own messages: keyed by a random id, since the person's ids are gone.
    erasure_id = uuid.uuid4().hex
    sealed = {SEALED_KEY: encrypt(email, SEALED_PURPOSE)}
    outside = []
    for channel in ("kit", "crm"):
        if _reached(messages, channel):
            enqueue(channel, "erase", dict(sealed), f"erasure:{erasure_id}:{channel}")
            outside.append(channel)
    if notify:
        enqueue(
            "email",
            "erasure_confirmation",
            {**sealed, "locale": locale, "orders_kept": len(orders), "outside": outside},
            f"erasure:{erasure_id}:email",
        )
    db.session.commit()
    log.info(
        "privacy: a person was erased (%s); %d orders kept anonymized; outside: %s",
        reason,
        len(orders),
        ", ".join(outside) or "none",
    )
    return Erasure(orders_anonymized=len(orders), outside_deletions=outside)


def unseal(payload: dict[str, Any]) -> str:
    """The email an erasure message carries (for the worker, at delivery)."""
    from app.privacy.crypto import decrypt

    sealed = payload.get(SEALED_KEY)
    if not sealed:
        raise LookupError("the message no longer carries an address")
    return decrypt(sealed, SEALED_PURPOSE)


# -- retention ---------------------------------------------------------------------------


@dataclass
class PurgeReport:
    people_erased: int = 0
    unconfirmed_leads_deleted: int = 0
    orders_deleted: int = 0
    consent_records_deleted: int = 0
    outbox_messages_deleted: int = 0
    sealed_addresses_cleared: int = 0
    access_links_deleted: int = 0

    def lines(self) -> list[str]:
        return [f"{name.replace('_', ' ')}: {value}" for name, value in vars(self).items()]


def _last_activity(customer: Customer, lead: Lead | None) -> datetime:
    moments = [as_utc(customer.created_at), as_utc(customer.updated_at)]
    if lead is not None:
        moments.append(as_utc(lead.updated_at))
    for order in customer.orders:
        moments.append(as_utc(order.updated_at))
    return max(moments)


def purge(now: datetime | None = None) -> PurgeReport:
    """Apply the retention policy once; safe to run again at any time (daily in production).

    - people whose last interaction is older than PRIVACY_RETENTION_MONTHS are erased
      (orders kept anonymized), without an email;
    - leads never confirmed within UNCONFIRMED_LEAD_DAYS are deleted, and the person
      with them unless they bought;
    - orders older than ORDER_RETENTION_YEARS (the tax authority's period) are deleted;
    - cookie-consent proofs and finished outbox messages older than the retention period
      are deleted; addresses sealed in erasure messages are cleared after 30 days even if
      the message could not be delivered; used or expired access links go after a day.
    """
    config = current_app.config
    now = now or utcnow()
    report = PurgeReport()
    horizon = now - timedelta(days=30.4375 * int(config["PRIVACY_RETENTION_MONTHS"]))
    lead_horizon = now - timedelta(days=int(config["UNCONFIRMED_LEAD_DAYS"]))

    for customer_id in db.session.scalars(select(Customer.id).order_by(Customer.id)).all():
        customer = db.session.get(Customer, customer_id)
        if customer is None:
            continue
        lead = db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))
        waiting = any(o.status == OrderStatus.AWAITING_PAYMENT for o in customer.orders)
        if waiting:
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
        if customer.orders:
            # A buyer stays (the ticket is theirs); only the unconfirmed lead goes.
            begin_locking_transaction()
            db.session.execute(delete(Lead).where(Lead.id == lead.id))
            db.session.commit()
        else:
            erase_person(customer.id, notify=False, reason="unconfirmed lead")
        report.unconfirmed_leads_deleted += 1

    order_horizon = now - timedelta(days=365.25 * int(config["ORDER_RETENTION_YEARS"]))
    begin_locking_transaction()
    old_orders = select(Order.id).where(
        Order.created_at < order_horizon, Order.status != OrderStatus.AWAITING_PAYMENT
    )
    old_ids = list(db.session.scalars(old_orders))
    if old_ids:
        db.session.execute(delete(OrderStatusChange).where(OrderStatusChange.order_id.in_(old_ids)))
        db.session.execute(delete(WebhookEvent).where(WebhookEvent.order_id.in_(old_ids)))
        db.session.execute(delete(Order).where(Order.id.in_(old_ids)))
    report.orders_deleted = len(old_ids)
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
        if SEALED_KEY in (message.payload or {}):
            message.payload = {k: v for k, v in message.payload.items() if k != SEALED_KEY}
            report.sealed_addresses_cleared += 1
    report.access_links_deleted = db.session.execute(
        delete(PrivacyRequest).where(PrivacyRequest.expires_at < now - timedelta(days=1))
    ).rowcount
    db.session.commit()
    return report
