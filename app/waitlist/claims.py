"""Seats offered to the people on the list: making them, passing the overdue ones on, and
a person claiming theirs.

None of this commits and none of it counts seats: the caller (orders.placing for a
claim, orders.freed_seats for the clock) holds the offer's row lock, so a held seat is
never claimed twice nor sold to someone else.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.personal_data.encryption import current_keyring
from app.timeutil import utcnow
from app.waitlist.links import seat_offer_id_from_token
from app.waitlist.models import PlaceState, SeatOffer, WaitlistEntry
from app.waitlist.notifications import seat_offered


class ClaimRefused(Exception):
    """The held seat cannot be used: gone past its deadline, already used, left, or not
    this person's."""


def open_claim(token: str | None, offer_id: int) -> SeatOffer | None:
    """The seat held by a claim link for this offer, if it is still open (reads only)."""
    seat_offer_id = seat_offer_id_from_token(token) if token else None
    if seat_offer_id is None:
        return None
    seat_offer = db.session.get(SeatOffer, seat_offer_id)
    if seat_offer is None or seat_offer.offer_id != offer_id:
        return None
    return seat_offer if seat_offer.is_open(utcnow()) else None


def use_claim(seat_offer_id: int, offer_id: int, email: str) -> SeatOffer:
    """The open seat offer this person may buy with, its place locked; ClaimRefused
    otherwise. The caller holds the offer's lock and marks it claimed with the order."""
    seat_offer = db.session.get(SeatOffer, seat_offer_id)
    if seat_offer is None or seat_offer.offer_id != offer_id:
        raise ClaimRefused
    # Leaving the list locks the same row: a claim and a leave take turns.
    entry = db.session.get(
        WaitlistEntry, seat_offer.entry_id, with_for_update=True, populate_existing=True
    )
    db.session.refresh(seat_offer)
    if entry is None or not seat_offer.is_open(utcnow()):
        raise ClaimRefused
    if entry.email_index not in current_keyring().blind_indexes(email):
        raise ClaimRefused
    return seat_offer


def mark_claimed(seat_offer: SeatOffer, order_id: uuid.UUID) -> None:
    """The order now holds the seat; the offer stops holding it."""
    seat_offer.claimed_at = utcnow()
    seat_offer.order_id = order_id
    seat_offer.entry.state = PlaceState.CLAIMED


def pass_overdue(offer_id: int, now: datetime) -> int:
    """End the seat offers whose deadline went by unclaimed; their people have passed."""
    overdue = list(
        db.session.scalars(
            select(SeatOffer).where(
                SeatOffer.offer_id == offer_id,
                SeatOffer.claimed_at.is_(None),
                SeatOffer.ended_at.is_(None),
                SeatOffer.expires_at <= now,
            )
        )
    )
    for seat_offer in overdue:
        seat_offer.ended_at = now
        seat_offer.end_reason = PlaceState.PASSED
        if seat_offer.entry.state == PlaceState.OFFERED:
            seat_offer.entry.state = PlaceState.PASSED
    return len(overdue)


def offer_seats(entries: list[WaitlistEntry], hold: timedelta) -> list[SeatOffer]:
    """Hold a seat for each of these people until now + `hold`, and queue their email."""
    now = utcnow()
    made = []
    for entry in entries:
        seat_offer = SeatOffer(
            entry=entry, offer_id=entry.offer_id, made_at=now, expires_at=now + hold
        )
        db.session.add(seat_offer)
        entry.state = PlaceState.OFFERED
        db.session.flush()
        seat_offered(seat_offer)
        made.append(seat_offer)
    return made
