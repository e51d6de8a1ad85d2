"""Storing leads: one per email, updated when the same person comes back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.customers.models import JourneyStage
from app.customers.services import link_consent_choices, upsert_customer
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.leads.models import Lead
from app.leads.notifications import lead_confirmed, lead_stored
from app.timeutil import utcnow


@dataclass(frozen=True)
class LeadDetails:
    name: str
    email: str
    business_type: str
    business_stage: str
    marketing_consent: bool
    locale: str
    source: str = "landing"
    # The anonymous id of the cookie choices made in this browser, if any.
    consent_id: str | None = None


def save_lead(details: LeadDetails) -> tuple[Lead, bool]:
    """Create or update the lead for this email; returns (lead, created)."""
    # Read and write in one write transaction: on SQLite a read transaction that
    # later writes fails at once ("database is locked") if another writer went first.
    begin_locking_transaction()
    customer = upsert_customer(email=details.email, name=details.name, locale=details.locale)
    customer.advance_journey(JourneyStage.LEAD)
    link_consent_choices(customer, details.consent_id)
    db.session.flush()
    lead = db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))
    created = lead is None
    if lead is None:
        lead = Lead(customer=customer)
        db.session.add(lead)
    lead.business_type = details.business_type
    lead.business_stage = details.business_stage
    lead.locale = details.locale
    lead.source = details.source
    # Consent is recorded with the moment it was given, and withdrawn by leaving
    # the box unticked on a later submission.
    if details.marketing_consent and not lead.marketing_consent:
        lead.marketing_consent_at = utcnow()
    if not details.marketing_consent:
        lead.marketing_consent_at = None
    lead.marketing_consent = details.marketing_consent
    # Leaving the form again is an interaction, even with nothing changed: retention
    # counts from it.
    lead.updated_at = utcnow()
    db.session.flush()
    # The double opt-in email leaves with the lead, through the outbox.
    lead_stored(lead)
    db.session.commit()
    return lead, created


def confirm_lead(lead_id: int) -> Lead | None:
    """Mark the lead confirmed (double opt-in) once; tells Kit and the CRM through the outbox."""
    begin_locking_transaction()
    lead = db.session.get(Lead, lead_id, with_for_update=True)
    if lead is None:
        db.session.rollback()
        return None
    if lead.confirmed_at is None:
        lead.confirmed_at = utcnow()
        lead_confirmed(lead)
    db.session.commit()
    return lead
