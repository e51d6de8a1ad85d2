"""What a lead causes to be sent, and how each of those messages is composed.

Queued in the lead's own transaction (`submission_stored`, `lead_confirmed`,
`lead_changed`); composed by
the outbox worker at delivery time from fresh data (`COMPOSERS`). The Kit subscriber
and the CRM contact are composed here for buyers too: they describe the person, who
may be a lead, a buyer or both.
"""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.customers.models import Customer, JourneyStage
from app.extensions import db
from app.leads.links import confirmation_token
from app.leads.models import Lead, LeadChange
from app.outbox.adapters.hubspot import Contact
from app.outbox.adapters.kit import Subscriber, Unsubscribe, tag_names
from app.outbox.errors import NothingToSend
from app.outbox.mail import mark_language, new_email, write_body
from app.outbox.models import OutboxMessage
from app.outbox.services import enqueue
from app.timeutil import utcnow
from app.web.i18n import speaking

# Confirmation emails one address may get from the lead form in 24 hours.
CONFIRMATIONS_PER_DAY = 3


def lead_of(customer: Customer) -> Lead | None:
    """The person's lead, if they left one (at most one per person)."""
    with db.session.no_autoflush:
        return db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))


def first_touch(customer: Customer, lead: Lead | None) -> tuple[str | None, str | None]:
    """(source, campaign) of the visit that first brought the person: her lead's (`lead`,
    from `lead_of`), else her first order's (analytics/journeys.py)."""
    if lead is not None and lead.first_source:
        return lead.first_source, lead.first_campaign
    for order in sorted(customer.orders, key=lambda o: o.created_at):
        if order.first_source:
            return order.first_source, order.first_campaign
    return None, None


def contact_payload(customer: Customer, stage: str, lead: Lead | None) -> dict[str, Any]:
    """What Kit and the CRM are told about a person (whose lead, if any, is `lead`): ids
    and segments, never their details."""
    source, campaign = first_touch(customer, lead)
    return {
        "customer_id": customer.id,
        "stage": stage,
        "business_type": lead.business_type if lead else None,
        "business_stage": lead.business_stage if lead else None,
        "first_source": source,
        "first_campaign": campaign,
    }


# -- what a lead causes ------------------------------------------------------------------


def _confirmations_today(lead: Lead) -> int:
    since = utcnow() - timedelta(days=1)
    with db.session.no_autoflush:
        return (
            db.session.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.kind == "lead_confirmation",
                    OutboxMessage.customer_id == lead.customer_id,
                    OutboxMessage.created_at >= since,
                )
            )
            or 0
        )


def confirmation_allowed(lead: Lead) -> bool:
    """Whether the address may get another confirmation email today: at most
    CONFIRMATIONS_PER_DAY, since the form is open to anyone and an address must not be
    flooded by someone sending it again and again."""
    return _confirmations_today(lead) < CONFIRMATIONS_PER_DAY


def submission_stored(change: LeadChange) -> None:
    """The owner of the email gets the link that confirms this submission."""
    lead = change.lead
    enqueue(
        "email",
        "lead_confirmation",
        {"change_id": change.id},
        f"lead:{lead.id}:submission:{change.id}:email",
        lead.customer_id,
    )


def lead_confirmed(lead: Lead) -> None:
    """A confirmed lead goes to the CRM; to the email platform only with marketing consent."""
    base = f"lead:{lead.id}:confirmed:{lead.confirmed_at:%Y%m%d%H%M%S}"
    contact = contact_payload(lead.customer, "lead", lead)
    if lead.marketing_consent:
        enqueue("kit", "subscriber", contact, f"{base}:kit", lead.customer_id)
    enqueue("crm", "contact", contact, f"{base}:crm", lead.customer_id)


def lead_changed(change: LeadChange, *, withdrawn: bool) -> None:
    """A confirmed person confirmed new details: the CRM learns them; Kit gets the new
    tags while they consent, and stops writing to them once they withdraw."""
    lead = change.lead
    base = f"lead:{lead.id}:submission:{change.id}"
    contact = contact_payload(lead.customer, "lead", lead)
    if lead.marketing_consent:
        enqueue("kit", "subscriber", contact, f"{base}:kit", lead.customer_id)
    elif withdrawn:
        enqueue("kit", "unsubscribe", contact, f"{base}:kit", lead.customer_id)
    enqueue("crm", "contact", contact, f"{base}:crm", lead.customer_id)


# -- composing them at delivery ------------------------------------------------------------


def customer_of(message: OutboxMessage) -> Customer:
    # None once the person was erased.
    customer_id = message.payload.get("customer_id")
    customer = db.session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        raise NothingToSend(f"customer {customer_id} no longer exists")
    return customer


def compose_confirmation_email(message: OutboxMessage) -> EmailMessage:
    """The double opt-in email for one submission, with a link valid LEAD_CONFIRM_MAX_AGE."""
    change = db.session.get(LeadChange, message.payload.get("change_id") or 0)
    if change is None:
        raise NothingToSend("the submission no longer exists")
    if change.applied_at is not None:
        raise NothingToSend("the submission is already confirmed")
    lead = change.lead
    with speaking(change.locale):
        subject = _("Please confirm your email for %(event)s", event="Café com Vendas")
        email = new_email(message, lead.customer.name, lead.customer.email, subject)
        hours = current_app.config["LEAD_CONFIRM_MAX_AGE"] // 3600
        write_body(
            email,
            "lead_confirmation",
            lead=lead,
            source=change.source,
            lang=change.locale,
            confirm_url=url_for(
                "leads.confirm", token=confirmation_token(change.id), _external=True
            ),
            valid_days=max(1, hours // 24),
        )
    return mark_language(email, change.locale)


def compose_kit_subscriber(message: OutboxMessage) -> Subscriber:
    """The person in Kit, tagged by business and journey; only while they consent."""
    customer = customer_of(message)
    stage = message.payload.get("stage")
    lead = lead_of(customer)
    if not (lead and lead.marketing_consent):
        # Queued with marketing consent that was withdrawn before delivery (by the form,
        # or at Kit itself): adding them again would undo their unsubscribe.
        raise NothingToSend("the person no longer consents to marketing email")
    first_name = customer.name.split(maxsplit=1)[0] if customer.name.strip() else ""
    return Subscriber(
        email=customer.email,
        first_name=first_name,
        tags=tuple(tag_names(message.payload)),
        buyer=stage == "buyer",
    )


def compose_kit_unsubscribe(message: OutboxMessage) -> Unsubscribe:
    """The person withdrew marketing consent: Kit must not write to them again."""
    return Unsubscribe(email=customer_of(message).email)


def crm_contact(customer: Customer, *, buyer: bool) -> Contact:
    """The person as the CRM holds them."""
    # HubSpot will not move a lifecycle stage backwards: a lead message delivered after
    # the person bought says "customer", as the shop now knows them.
    is_customer = buyer or customer.journey_stage == JourneyStage.PURCHASE
    source, campaign = first_touch(customer, lead_of(customer))
    return Contact(
        email=customer.email,
        name=customer.name,
        customer=is_customer,
        first_source=source,
        first_campaign=campaign,
    )


def compose_crm_contact(message: OutboxMessage) -> Contact:
    return crm_contact(customer_of(message), buyer=message.payload.get("stage") == "buyer")


COMPOSERS = {
    ("email", "lead_confirmation"): compose_confirmation_email,
    ("kit", "subscriber"): compose_kit_subscriber,
    ("kit", "unsubscribe"): compose_kit_unsubscribe,
    ("crm", "contact"): compose_crm_contact,
}
