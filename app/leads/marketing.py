"""Marketing consent asked for outside the lead form (the checkout's box) and withdrawn
outside the shop (Kit's unsubscribes, bounces and complaints).

Both go through the lead's own records: a request waits as a LeadChange until the
email's owner follows the link sent for it (the lead form's double opt-in, not a second
one), and a withdrawal is kept on the lead with its time and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.analytics.journeys import Journey
from app.customers.models import Customer
from app.customers.services import find_customer_by_email, find_or_add_customer
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.leads.models import Lead, LeadChange
from app.leads.notifications import confirmation_allowed, lead_of, submission_stored
from app.timeutil import as_utc, utcnow

# Where a request came from, as LeadChange.source and Lead.source keep it.
CHECKOUT = "checkout"

# Kit dates its events to the second, on its own clock: an event counts as older than a
# consent only when it is clearly so. In doubt, the withdrawal wins.
CLOCK_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class ConsentRequest:
    """A buyer ticked "send me news" at the checkout."""

    email: str
    name: str
    locale: str
    # The anonymous id of the cookie choices made in this browser, if any.
    consent_id: str | None = None
    # Where the visit came from (analytics/journeys.py), for a lead made here.
    journey: Journey | None = None


def _lead_for_checkout(customer: Customer, locale: str, journey: Journey | None) -> Lead:
    """The person's lead; a buyer who never left the lead form gets one with no business
    typed (the checkout does not ask) and no consent until she confirms."""
    lead = lead_of(customer)
    if lead is None:
        lead = Lead(
            customer=customer,
            business_type="",
            business_stage="",
            marketing_consent=False,
            locale=locale,
            source=CHECKOUT,
            first_source=journey.first_source if journey else None,
            first_campaign=journey.first_campaign if journey else None,
            journey=journey.record if journey else None,
        )
        db.session.add(lead)
        db.session.flush()
    return lead


def _request_waiting(lead: Lead) -> bool:
    """A link asking for marketing consent went out and still works: none is sent again
    (the same checkout form sent twice, or a retry)."""
    since = utcnow() - timedelta(seconds=int(current_app.config["LEAD_CONFIRM_MAX_AGE"]))
    with db.session.no_autoflush:
        waiting = db.session.scalar(
            select(LeadChange.id).where(
                LeadChange.lead_id == lead.id,
                LeadChange.applied_at.is_(None),
                LeadChange.marketing_consent.is_(True),
                LeadChange.created_at >= since,
            )
        )
    return waiting is not None


def ask_marketing_consent(request: ConsentRequest) -> LeadChange | None:
    """Keep the buyer's request for marketing email, with its time, and send the lead
    form's confirmation link; consent starts only when the owner of the email follows it.

    None when nothing is to be asked: she already consents, a link is already waiting, or
    the address had its confirmation emails for today. Nothing else about the person
    changes: the request carries the name and business already held.
    """
    begin_locking_transaction()
    customer, _new = find_or_add_customer(
        email=request.email,
        name=request.name,
        locale=request.locale,
        consent_id=request.consent_id,
    )
    db.session.flush()
    lead = _lead_for_checkout(customer, request.locale, request.journey)
    if lead.marketing_consent or _request_waiting(lead) or not confirmation_allowed(lead):
        db.session.commit()
        return None
    change = LeadChange(
        lead=lead,
        name=customer.name,
        business_type=lead.business_type,
        business_stage=lead.business_stage,
        marketing_consent=True,
        source=CHECKOUT,
        locale=request.locale,
        consent_id=request.consent_id,
    )
    db.session.add(change)
    db.session.flush()
    submission_stored(change)
    db.session.commit()
    return change


def withdraw_marketing(email: str, reason: str, at: datetime) -> str:
    """Marketing consent off for this address (withdrawn `at`, by Kit's clock), recorded
    with when the shop learnt it and why; returns what it did. Kit is not told: it is
    where the withdrawal came from.

    Safe to repeat: a withdrawal already recorded as late, or one older than the consent
    it would undo (a late retry of an old event), changes nothing. An address the shop
    does not know, or a person who never left a lead, is left alone.
    """
    begin_locking_transaction()
    customer = find_customer_by_email(email)
    lead = lead_of(customer) if customer is not None else None
    if lead is None:
        db.session.rollback()
        return "unknown"
    at = as_utc(at)
    consented = lead.marketing_consent_at
    withdrawn = lead.marketing_withdrawn_at
    if lead.marketing_consent and consented is not None and as_utc(consented) - at > CLOCK_GRACE:
        result = "older than the consent"
    elif not lead.marketing_consent and withdrawn is not None and as_utc(withdrawn) >= at:
        result = "already withdrawn"
    else:
        lead.marketing_consent = False
        lead.marketing_consent_at = None
        # When the shop learnt it, on the shop's clock: the requests it must outlive
        # are dated on that clock too, and Kit's times are only to the second.
        lead.marketing_withdrawn_at = utcnow()
        lead.marketing_withdrawn_reason = reason[:32]
        result = "withdrawn"
    db.session.commit()
    return result
