"""A place on an offer's waiting list, and the seats offered to the people on it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.catalog.models import Offer
from app.customers.models import Customer
from app.extensions import db
from app.personal_data.encryption import EncryptedText, blind_index
from app.timeutil import UTCDateTime, utcnow
from app.web.input_rules import normalize_email


class PlaceState(StrEnum):
    """Where a person stands on the list."""

    WAITING = "waiting"  # in the queue, by the time they joined
    OFFERED = "offered"  # a seat is held for them until the offer's deadline
    CLAIMED = "claimed"  # they used the held seat to place their order
    PASSED = "passed"  # the deadline went by: the seat went to the next person
    LEFT = "left"  # they asked to leave the list


class WaitlistEntry(db.Model):
    __tablename__ = "waitlist_entries"
    # One place per person and offer: the blind index of the email says "the same
    # person" without decrypting anyone, so joining twice finds the first place.
    __table_args__ = (
        UniqueConstraint("offer_id", "email_index", name="uq_waitlist_entries_offer_email"),
        Index("ix_waitlist_entries_queue", "offer_id", "state", "joined_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    # The person, for their export and erasure (the entry goes with them).
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    email: Mapped[str] = mapped_column(EncryptedText("waitlist_entries.email"))
    email_index: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(EncryptedText("waitlist_entries.name"))
    locale: Mapped[str] = mapped_column(String(5), default="pt_PT")
    # What they agreed to (the text's version) and when: one email when a seat frees.
    consent_version: Mapped[str] = mapped_column(String(32))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default=PlaceState.WAITING)
    # The queue's order: first joined, first offered (a rejoin goes to the back).
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    offer: Mapped[Offer] = relationship()
    customer: Mapped[Customer] = relationship()
    seat_offers: Mapped[list[SeatOffer]] = relationship(
        back_populates="entry", order_by="SeatOffer.id", cascade="all, delete-orphan"
    )

    @validates("email")
    def _index_email(self, _key: str, email: str) -> str:
        # As for customers: the index can never fall out of step with the email.
        email = normalize_email(email)
        self.email_index = blind_index(email)
        return email

    @property
    def open_offer(self) -> SeatOffer | None:
        """The seat held for this person right now, if any."""
        return next((offer for offer in self.seat_offers if offer.is_open(utcnow())), None)


class SeatOffer(db.Model):
    """A freed seat held for one person on the list until `expires_at`.

    While open (neither claimed nor ended, deadline ahead) it counts as a taken seat
    (`orders.holds.seats_taken`), so nobody else can buy it.
    """

    __tablename__ = "waitlist_offers"
    __table_args__ = (Index("ix_waitlist_offers_open", "offer_id", "claimed_at", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("waitlist_entries.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the person placed their order with it: the order holds the seat from then.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id"))
    # Set when it passed its deadline unclaimed, or the person left the list.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(16))

    entry: Mapped[WaitlistEntry] = relationship(back_populates="seat_offers")
    offer: Mapped[Offer] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.claimed_at is None and self.ended_at is None and self.expires_at > now
