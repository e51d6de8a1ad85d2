"""Storing leads: one per email. A submission is kept as a change that only the owner of
the email, following the link sent to it, turns into their details and consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from app.analytics.journeys import Journey
from app.customers.models import Customer, JourneyStage
from app.customers.services import find_or_add_customer, link_consent_choices
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.leads.models import Lead, LeadChange
from app.leads.notifications import (
    confirmation_allowed,
    lead_changed,
    lead_confirmed,
    submission_stored,
)
from app.timeutil import as_utc, utcnow


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
    # The landing headline the person saw (A/B variant), for the funnel.
    headline_variant: str | None = None
    # Where the visit came from and how far it went (analytics/journeys.py).
    journey: Journey | None = None


def _lead_of(customer: Customer, details: LeadDetails) -> tuple[Lead, bool]:
    """(the person's lead, created?). A new lead starts with the business typed, and no
    marketing consent until the email's owner confirms it."""
    lead = db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))
    if lead is not None:
        return lead, False
    lead = Lead(
        customer=customer,
        business_type=details.business_type,
        business_stage=details.business_stage,
        marketing_consent=False,
        locale=details.locale,
        source=details.source,
        headline_variant=details.headline_variant,
        # The journey that first brought the person: later visits do not rewrite it.
        first_source=details.journey.first_source if details.journey else None,
        first_campaign=details.journey.first_campaign if details.journey else None,
        journey=details.journey.record if details.journey else None,
    )
    db.session.add(lead)
    return lead, True


def _changes_nothing(lead: Lead, details: LeadDetails) -> bool:
    """A confirmed person sent what the shop already holds: nothing to confirm again."""
    return (
        lead.confirmed_at is not None
        and lead.customer.name == details.name
        and lead.business_type == details.business_type
        and lead.business_stage == details.business_stage
        and lead.marketing_consent == details.marketing_consent
    )


def save_lead(details: LeadDetails) -> tuple[Lead, bool]:
    """Keep this submission and send its confirmation link; returns (lead, created).

    Nothing about an existing person changes here: the submission waits, as a
    LeadChange, for the owner of the email to confirm it (confirm_change).
    """
    # Read and write in one write transaction: on SQLite a read transaction that
    # later writes fails at once ("database is locked") if another writer went first.
    begin_locking_transaction()
    customer, _new_person = find_or_add_customer(
        email=details.email, name=details.name, locale=details.locale, consent_id=details.consent_id
    )
    customer.advance_journey(JourneyStage.LEAD)
    db.session.flush()
    lead, created = _lead_of(customer, details)
    # Leaving the form again is an interaction, even with nothing changed: retention
    # counts from it.
    lead.updated_at = utcnow()
    db.session.flush()
    if not _changes_nothing(lead, details) and confirmation_allowed(lead):
        change = LeadChange(
            lead=lead,
            name=details.name,
            business_type=details.business_type,
            business_stage=details.business_stage,
            marketing_consent=details.marketing_consent,
            source=details.source,
            locale=details.locale,
            consent_id=details.consent_id,
        )
        db.session.add(change)
        db.session.flush()
        # The link leaves with the submission, through the outbox.
        submission_stored(change)
    db.session.commit()
    return lead, created


def withdrawn_since(lead: Lead, asked_at: datetime) -> bool:
    """Whether marketing consent was withdrawn after a request made at `asked_at`: the
    newer word wins, so a link sent before an unsubscribe never switches consent on."""
    withdrawn = lead.marketing_withdrawn_at
    return withdrawn is not None and as_utc(asked_at) < as_utc(withdrawn)


def _apply(change: LeadChange, now: datetime) -> bool:
    """Make the submission the person's details and consent; returns whether they had
    marketing consent before."""
    lead = change.lead
    customer = lead.customer
    customer.name = change.name
    customer.locale = change.locale
    link_consent_choices(customer, change.consent_id)
    lead.business_type = change.business_type
    lead.business_stage = change.business_stage
    lead.source = change.source
    lead.locale = change.locale
    had_consent = lead.marketing_consent
    wants_consent = change.marketing_consent and not withdrawn_since(lead, change.created_at)
    if wants_consent != had_consent:
        # Consent counts from the confirmed link, and a confirmed submission without the
        # box ticked withdraws it.
        lead.marketing_consent = wants_consent
        lead.marketing_consent_at = now if wants_consent else None
        if not wants_consent:
            lead.marketing_withdrawn_at = now
            lead.marketing_withdrawn_reason = "lead_form"
    lead.updated_at = now
    change.applied_at = now
    return had_consent


def confirm_change(change_id: int) -> LeadChange | None:
    """The email's owner confirmed this submission (double opt-in): apply it once, and tell
    Kit and the CRM through the outbox. None if it no longer exists."""
    begin_locking_transaction()
    change = db.session.get(LeadChange, change_id, with_for_update=True)
    if change is None:
        db.session.rollback()
        return None
    if change.applied_at is None:
        now = utcnow()
        lead = change.lead
        first_confirmation = lead.confirmed_at is None
        had_consent = _apply(change, now)
        if first_confirmation:
            lead.confirmed_at = now
            lead_confirmed(lead)
        else:
            lead_changed(change, withdrawn=had_consent and not change.marketing_consent)
    db.session.commit()
    return change


def delete_leads(which: Any) -> None:
    """Delete the leads matching `which` (a condition on Lead) with their submissions;
    the caller commits."""
    lead_ids = select(Lead.id).where(which).scalar_subquery()
    db.session.execute(delete(LeadChange).where(LeadChange.lead_id.in_(lead_ids)))
    db.session.execute(delete(Lead).where(which))


def delete_unconfirmed_changes(older_than: datetime) -> int:
    """Submissions nobody confirmed before `older_than` go (their links expired long ago);
    the caller commits. Returns how many."""
    return db.session.execute(
        delete(LeadChange).where(
            LeadChange.applied_at.is_(None), LeadChange.created_at < older_than
        )
    ).rowcount
