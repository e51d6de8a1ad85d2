"""Joining and leaving an offer's waiting list, and reading the queue.

Joining is open to anyone who types an address (like the lead form): a second join with
the same email finds the first place and changes nothing, so nobody can push a person
around the queue. These functions commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from app.customers.services import find_or_add_customer
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.personal_data.encryption import current_keyring
from app.timeutil import utcnow
from app.waitlist.models import PlaceState, SeatOffer, WaitlistEntry

# The version of the consent text shown next to the form (templates/waitlist/_form.html):
# change it whenever that text changes, so each place records what its person agreed to.
CONSENT_VERSION = "waitlist-2026-12"

# States in which a person is still on the list (a rejoin leaves them where they are).
ON_THE_LIST = (PlaceState.WAITING, PlaceState.OFFERED)


@dataclass(frozen=True)
class Joiner:
    email: str
    name: str
    locale: str
    consent_id: str | None = None


def place_of(offer_id: int, email: str) -> WaitlistEntry | None:
    """This person's place on the offer's list, found by the blind index of the email."""
    indexes = current_keyring().blind_indexes(email)
    return db.session.scalar(
        select(WaitlistEntry).where(
            WaitlistEntry.offer_id == offer_id, WaitlistEntry.email_index.in_(indexes)
        )
    )


def join(offer_id: int, joiner: Joiner) -> tuple[WaitlistEntry, bool]:
    """(the person's place, new?). A place already on the list is kept as it is; one that
    left or let its seat pass goes back in, at the end of the queue."""
    begin_locking_transaction()
    entry = place_of(offer_id, joiner.email)
    if entry is not None and entry.state in ON_THE_LIST:
        db.session.rollback()
        return entry, False
    now = utcnow()
    if entry is None:
        customer, _new = find_or_add_customer(
            email=joiner.email,
            name=joiner.name,
            locale=joiner.locale,
            consent_id=joiner.consent_id,
        )
        entry = WaitlistEntry(offer_id=offer_id, customer=customer, email=joiner.email)
        db.session.add(entry)
    entry.name = joiner.name
    entry.locale = joiner.locale
    entry.consent_version = CONSENT_VERSION
    entry.consented_at = now
    entry.state = PlaceState.WAITING
    entry.joined_at = now
    entry.left_at = None
    try:
        db.session.commit()
    except IntegrityError:
        # The same address joined at the same moment in another request: that place is it.
        db.session.rollback()
        found = place_of(offer_id, joiner.email)
        if found is None:
            raise
        return found, False
    return entry, True


def leave(entry_id: int) -> WaitlistEntry | None:
    """Take the person off the list; a seat held for them goes to the next person (the
    clock's next turn offers it). None if there is no such place."""
    begin_locking_transaction()
    entry = db.session.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is None:
        db.session.rollback()
        return None
    if entry.state in ON_THE_LIST:
        now = utcnow()
        for seat_offer in entry.seat_offers:
            if seat_offer.is_open(now):
                seat_offer.ended_at = now
                seat_offer.end_reason = PlaceState.LEFT
        entry.state = PlaceState.LEFT
        entry.left_at = now
    db.session.commit()
    return entry


def position_of(entry: WaitlistEntry) -> int:
    """1 for the first person waiting; counts only people still waiting ahead."""
    ahead = db.session.scalar(
        select(func.count(WaitlistEntry.id)).where(
            WaitlistEntry.offer_id == entry.offer_id,
            WaitlistEntry.state == PlaceState.WAITING,
            WaitlistEntry.joined_at < entry.joined_at,
        )
    )
    return (ahead or 0) + 1


def people_waiting_count(offer_id: int) -> Select[tuple[int]]:
    """The count of people in the queue with no seat offered yet, as a query (for one
    round trip with the offer's other seat counts, orders/holds.py)."""
    return select(func.count(WaitlistEntry.id)).where(
        WaitlistEntry.offer_id == offer_id, WaitlistEntry.state == PlaceState.WAITING
    )


def seats_held_for_the_list_count(offer_id: int, now: datetime) -> Select[tuple[int]]:
    """The count of seats offered to people on the list and still inside their deadline,
    as a query."""
    return select(func.count(SeatOffer.id)).where(
        SeatOffer.offer_id == offer_id,
        SeatOffer.claimed_at.is_(None),
        SeatOffer.ended_at.is_(None),
        SeatOffer.expires_at > now,
    )


def next_in_line(offer_id: int, count: int) -> list[WaitlistEntry]:
    """The first `count` people waiting, first joined first."""
    return list(
        db.session.scalars(
            select(WaitlistEntry)
            .where(WaitlistEntry.offer_id == offer_id, WaitlistEntry.state == PlaceState.WAITING)
            .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
            .limit(count)
        )
    )
