"""A lead (one per customer) and the submissions of the lead form waiting for the email
owner's confirmation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.customers.models import Customer
from app.extensions import db
from app.personal_data.encryption import EncryptedText
from app.timeutil import UTCDateTime, utcnow


class Lead(db.Model):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    business_type: Mapped[str] = mapped_column(String(32))
    business_stage: Mapped[str] = mapped_column(String(32))
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    marketing_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The latest withdrawal of marketing consent and why ("kit:unsubscribed",
    # "kit:bounced", "kit:complained", "lead_form"). A request to switch consent on that
    # was made before it never switches it on (leads.services._apply).
    marketing_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    marketing_withdrawn_reason: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32), default="landing")
    locale: Mapped[str] = mapped_column(String(5), default="pt_PT")
    # Double opt-in: set when the person follows the link in the confirmation email.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The landing headline (A/B variant) the person saw when they first left the form.
    headline_variant: Mapped[str | None] = mapped_column(String(16))
    # Where the visit that left the lead came from (analytics/journeys.py): the first
    # touch's source and campaign to group by, and the whole journey.
    first_source: Mapped[str | None] = mapped_column(String(64))
    first_campaign: Mapped[str | None] = mapped_column(String(64))
    journey: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()


class LeadChange(db.Model):
    """What one submission of the lead form asked for, applied only when the owner of the
    email follows the link sent for it.

    The form is open to anyone who knows an address: a submission never renames a
    person, changes their business or switches their marketing consent by itself.
    """

    __tablename__ = "lead_changes"
    __table_args__ = (Index("ix_lead_changes_lead", "lead_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"))
    name: Mapped[str] = mapped_column(EncryptedText("lead_changes.name"))
    business_type: Mapped[str] = mapped_column(String(32))
    business_stage: Mapped[str] = mapped_column(String(32))
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(32), default="landing")
    locale: Mapped[str] = mapped_column(String(5), default="pt_PT")
    # The anonymous id of the cookie choices made in the browser that sent it.
    consent_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the email's owner confirmed it; the record of what they agreed to.
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lead: Mapped[Lead] = relationship()
