"""The person: one row per email (found by its blind index), and how far they have come."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.personal_data.encryption import EncryptedText, blind_index
from app.timeutil import UTCDateTime, utcnow
from app.web.input_rules import normalize_email


class JourneyStage(StrEnum):
    """How far a person has come on the way to a ticket; it only moves forward."""

    LANDING = "landing"
    LEAD = "lead"
    CHECKOUT = "checkout"
    PURCHASE = "purchase"


JOURNEY_ORDER = list(JourneyStage)


class Customer(db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Personal data is encrypted at rest (app/privacy/crypto.py). The email is
    # lower-cased on the way in, and its blind index (kept in step by `_index_email`)
    # is unique, so one person is one row and can be found without decrypting anyone.
    email: Mapped[str] = mapped_column(EncryptedText("customers.email"))
    email_index: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(EncryptedText("customers.name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("customers.phone"))
    nif: Mapped[str | None] = mapped_column(EncryptedText("customers.nif"))
    locale: Mapped[str] = mapped_column(String(5), default="pt_PT")
    journey_stage: Mapped[str] = mapped_column(String(16), default=JourneyStage.LANDING)
    # The anonymous id of the cookie-consent choices made in this person's browser when
    # they left their details: their export shows those choices, their erasure deletes them.
    consent_id: Mapped[str | None] = mapped_column(String(32))
    # The Stripe customer made for this person (card or Klarna with a NIF), to reuse it.
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    # Named, not imported: orders and leads are features above this package, and the
    # mapper resolves both names from the registry once every model is loaded.
    orders: Mapped[list[Order]] = relationship(back_populates="customer")  # noqa: F821
    # At most one lead per person (leads.customer_id is unique); read-only from here.
    lead: Mapped[Lead | None] = relationship(viewonly=True)  # noqa: F821

    @validates("email")
    def _index_email(self, _key: str, email: str) -> str:
        # Every way of setting the email (constructor, assignment) goes through here,
        # so the blind index can never fall out of step with it.
        email = normalize_email(email)
        self.email_index = blind_index(email)
        return email

    def advance_journey(self, stage: JourneyStage) -> None:
        """Move the journey stage forward; never back."""
        current = JourneyStage(self.journey_stage or JourneyStage.LANDING)
        if JOURNEY_ORDER.index(stage) > JOURNEY_ORDER.index(current):
            self.journey_stage = stage
