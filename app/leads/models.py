"""A lead: one per customer, updated when the same email is left again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.customers.models import Customer
from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class Lead(db.Model):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    business_type: Mapped[str] = mapped_column(String(32))
    business_stage: Mapped[str] = mapped_column(String(32))
    marketing_consent: Mapped[bool] = mapped_column(default=False)
    marketing_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(32), default="landing")
    locale: Mapped[str] = mapped_column(String(5), default="pt_PT")
    # Double opt-in: set when the person follows the link in the confirmation email.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()
