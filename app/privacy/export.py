"""Everything the shop holds about one person, as plain JSON-ready data (GDPR art. 15, 20)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.audit.log import entries_about
from app.consent.models import ConsentRecord
from app.customers.models import Customer
from app.extensions import db
from app.invoicing.documents import documents_of
from app.leads.models import Lead, LeadChange
from app.orders.labels import method_label, status_label
from app.orders.models import Order
from app.outbox.models import SEALED_FIELD, OutboxMessage
from app.payments.models import WebhookEvent
from app.privacy.models import PrivacyRequest
from app.timeutil import as_utc, utcnow
from app.waitlist.models import WaitlistEntry

FORMAT = "cafe-com-vendas-personal-data/1"


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None


def messages_about(customer_id: int) -> list[OutboxMessage]:
    """Every outbox message about this person (their lead, orders, links...)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.customer_id == customer_id)
            .order_by(OutboxMessage.id)
        )
    )


def _invoices(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "kind": document.kind,
            "number": document.number,
            "issued_at": _iso(document.issued_at),
            "name": document.name,
            "nif": document.nif,
            "address": document.address,
            "amount_cents": document.amount_cents,
            "vat_cents": document.vat_cents,
        }
        for document in documents_of(order.id)
    ]


def _tickets(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "position": ticket.position,
            "attendee_name": ticket.attendee_name,
            "attendee_email": ticket.attendee_email,
            "voided_at": _iso(ticket.voided_at),
            "checked_in_at": _iso(ticket.checked_in_at),
        }
        for ticket in order.tickets
    ]


def _order(order: Order, locale: str) -> dict[str, Any]:
    events = db.session.scalars(
        select(WebhookEvent).where(WebhookEvent.order_id == order.id).order_by(WebhookEvent.id)
    ).all()
    return {
        "id": str(order.id),
        "event": order.offer.event.slug,
        "ticket": order.offer.localized_name(locale),
        "status": order.status,
        "status_label": status_label(order.status),
        "amount_cents": order.amount_cents,
        "vat_cents": order.vat_cents,
        "discount_code": order.coupon_code,
        "discount_cents": order.discount_cents,
        "refunded_cents": order.refunded_cents,
        "currency": order.currency,
        "payment_method": order.payment_method,
        "payment_method_label": method_label(order.payment_method),
        "payment_provider": order.provider,
        "installments": order.installments,
        "provider_reference": order.provider_reference,
        "payment_intent_id": order.payment_intent_id,
        "multibanco_entity": order.multibanco_entity,
        "multibanco_reference": order.multibanco_reference,
        "name_typed": order.buyer_name,
        "phone_typed": order.buyer_phone,
        "ticket_holder_email": order.attendee_email,
        "invoice_company": order.company_name,
        "invoice_company_address": order.company_address,
        "billing_nif": order.billing_nif,
        "language": order.locale,
        "google_analytics_client_id": order.ga_client_id,
        # Where the visit came from (UTM, referrer host, whether an ad click id was there).
        "journey": order.journey,
        "created_at": _iso(order.created_at),
        "paid_at": _iso(order.paid_at),
        "quantity": order.quantity,
        "tickets": _tickets(order),
        "status_history": [
            {
                "from": change.from_status,
                "to": change.to_status,
                "reason": change.reason,
                "at": _iso(change.created_at),
            }
            for change in order.history
        ],
        # Kept for ORDER_RETENTION_YEARS even after an erasure: the law asks for it.
        "invoices": _invoices(order),
        "payment_notifications": [
            {"type": event.type, "result": event.result, "at": _iso(event.received_at)}
            for event in events
        ],
    }


def _profile(customer: Customer) -> dict[str, Any]:
    return {
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "nif": customer.nif,
        "language": customer.locale,
        "stripe_customer_id": customer.stripe_customer_id,
        "created_at": _iso(customer.created_at),
        "updated_at": _iso(customer.updated_at),
    }


def _lead(lead: Lead) -> dict[str, Any]:
    return {
        "business_type": lead.business_type,
        "business_stage": lead.business_stage,
        "source": lead.source,
        "language": lead.locale,
        # Where the visit that left the lead came from.
        "journey": lead.journey,
        "email_confirmed_at": _iso(lead.confirmed_at),
        "created_at": _iso(lead.created_at),
        "updated_at": _iso(lead.updated_at),
        # Each time the form was sent with this email, and whether the address's owner
        # confirmed it (only a confirmed submission changes anything).
        "form_submissions": [
            {
                "name": change.name,
                "business_type": change.business_type,
                "business_stage": change.business_stage,
                "marketing_consent": change.marketing_consent,
                "source": change.source,
                "language": change.locale,
                "sent_at": _iso(change.created_at),
                "confirmed_at": _iso(change.applied_at),
            }
            for change in db.session.scalars(
                select(LeadChange).where(LeadChange.lead_id == lead.id).order_by(LeadChange.id)
            )
        ],
    }


def _consents(customer: Customer, lead: Lead | None) -> dict[str, Any]:
    consent_ids = [customer.consent_id] if customer.consent_id else []
    cookie_choices = db.session.scalars(
        select(ConsentRecord)
        .where(ConsentRecord.consent_id.in_(consent_ids))
        .order_by(ConsentRecord.id)
    ).all()
    return {
        "marketing_email": {
            "given": bool(lead and lead.marketing_consent),
            "given_at": _iso(lead.marketing_consent_at) if lead else None,
            # The latest withdrawal: by the lead form, or at Kit (unsubscribe, bounce,
            # complaint), and when the shop learnt it.
            "withdrawn_at": _iso(lead.marketing_withdrawn_at) if lead else None,
            "withdrawn_reason": lead.marketing_withdrawn_reason if lead else None,
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
    }


def _sent(message: OutboxMessage) -> dict[str, Any]:
    return {
        "system": message.channel,
        "what": message.kind,
        # A sealed address is only ever an erased person's, never this one's.
        "data": {k: v for k, v in (message.payload or {}).items() if k != SEALED_FIELD},
        "status": message.status,
        "attempts": message.attempts,
        "queued_at": _iso(message.created_at),
        "finished_at": _iso(message.finished_at),
    }


def _privacy_requests(customer: Customer) -> list[dict[str, Any]]:
    requests = db.session.scalars(
        select(PrivacyRequest)
        .where(PrivacyRequest.customer_id == customer.id)
        .order_by(PrivacyRequest.id)
    ).all()
    return [
        {
            "requested_at": _iso(request.created_at),
            "expires_at": _iso(request.expires_at),
            "used_at": _iso(request.used_at),
        }
        for request in requests
    ]


def _waitlist(customer_id: int) -> list[dict[str, Any]]:
    """Each place on a waiting list, with what the person agreed to and the seats offered."""
    entries = db.session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.customer_id == customer_id)
        .order_by(WaitlistEntry.id)
    )
    return [
        {
            "offer": entry.offer.slug,
            "name": entry.name,
            "email": entry.email,
            "language": entry.locale,
            "state": entry.state,
            "joined_at": _iso(entry.joined_at),
            "left_at": _iso(entry.left_at),
            "consent_text_version": entry.consent_version,
            "consented_at": _iso(entry.consented_at),
            "seats_offered": [
                {
                    "made_at": _iso(seat.made_at),
                    "held_until": _iso(seat.expires_at),
                    "claimed_at": _iso(seat.claimed_at),
                    "order_id": str(seat.order_id) if seat.order_id else None,
                    "ended_at": _iso(seat.ended_at),
                    "end_reason": seat.end_reason,
                }
                for seat in entry.seat_offers
            ],
        }
        for entry in entries
    ]


def export_person(customer_id: int) -> dict[str, Any]:
    """Everything the shop holds about one person; LookupError if there is no such person."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise LookupError("no such person")
    lead = customer.lead
    orders = sorted(customer.orders, key=lambda order: as_utc(order.created_at))
    return {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "profile": _profile(customer),
        "journey": {
            "stage": customer.journey_stage,
            "lead_source": lead.source if lead else None,
        },
        "leads": [_lead(lead)] if lead else [],
        "orders": [_order(order, customer.locale) for order in orders],
        "waiting_lists": _waitlist(customer.id),
        "consents": _consents(customer, lead),
        "sent_to_outside_systems": [_sent(message) for message in messages_about(customer.id)],
        "privacy_requests": _privacy_requests(customer),
        "back_office_actions": [
            {
                "action": entry.action,
                "at": _iso(entry.at),
                "order_id": str(entry.order_id) if entry.order_id else None,
                "before": entry.before,
                "after": entry.after,
            }
            for entry in entries_about(customer.id)
        ],
    }
