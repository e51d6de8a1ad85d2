"""Freed seats go to the waiting list first: the clock's turn that offers them.

A seat frees up when an order (or one of its seats) is refunded, a hold expires, a
payment fails past its window, the back office raises the capacity, or a person on the
list lets their held seat pass or leaves. Rather than hook each of those, every turn
looks at each offer with people waiting: seats neither sold nor held go, one each, to
the first people in line, under the offer's row lock (the same one checkouts and claims
take).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.catalog.models import Offer
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.orders.holds import seats_free
from app.timeutil import utcnow
from app.waitlist.claims import offer_seats, pass_overdue
from app.waitlist.models import PlaceState, SeatOffer, WaitlistEntry
from app.waitlist.services import next_in_line


@dataclass(frozen=True)
class Turn:
    offered: int = 0
    passed: int = 0


def _offers_to_look_at() -> list[int]:
    """Offers with someone waiting, or a held seat (which may have passed its deadline)."""
    waiting = select(WaitlistEntry.offer_id).where(WaitlistEntry.state == PlaceState.WAITING)
    holding = select(SeatOffer.offer_id).where(
        SeatOffer.claimed_at.is_(None), SeatOffer.ended_at.is_(None)
    )
    return sorted(set(db.session.scalars(waiting.union(holding))))


def _turn_for(offer_id: int, hold: timedelta) -> Turn:
    """Pass the overdue seat offers of one offer and offer its free seats; commits."""
    begin_locking_transaction()
    offer = db.session.scalar(
        select(Offer)
        .where(Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if offer is None:
        db.session.rollback()
        return Turn()
    now = utcnow()
    passed = pass_overdue(offer_id, now)
    db.session.flush()
    offered = []
    # Only while it is on sale: after the sales end, nobody is offered what they cannot buy.
    if offer.on_sale(now):
        free = seats_free(offer)
        if free > 0:
            offered = offer_seats(next_in_line(offer_id, free), hold)
    db.session.commit()
    return Turn(offered=len(offered), passed=passed)


def offer_freed_seats() -> Turn:
    """One turn over every offer with a waiting list: what was offered and what passed."""
    hold = timedelta(hours=current_app.config["WAITLIST_CLAIM_HOURS"])
    offered = passed = 0
    for offer_id in _offers_to_look_at():
        turn = _turn_for(offer_id, hold)
        offered += turn.offered
        passed += turn.passed
    return Turn(offered=offered, passed=passed)
