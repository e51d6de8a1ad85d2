"""The waiting list of each offer, for owners and marketing: who waits, in which order,
and where each place stands (waiting, offered until, claimed, passed, left).

Names and emails are the owner's to see; marketing sees the queue without them, as it
sees only the leads who asked for marketing email.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response
from sqlalchemy import select

from app.catalog.models import Offer
from app.extensions import db
from app.staff.guard import current_member, requires, staff_blueprint
from app.staff.roles import can
from app.waitlist.models import PlaceState, WaitlistEntry
from app.web.rendering import render_page

bp = staff_blueprint("staff_waitlist", __name__)
# One page per offer is plenty for a room of a few hundred seats.
SHOWN_PER_OFFER = 500


@dataclass(frozen=True)
class OfferList:
    offer: Offer
    entries: list[WaitlistEntry]

    def count(self, state: str) -> int:
        return sum(1 for entry in self.entries if entry.state == state)


def _lists() -> list[OfferList]:
    """Every offer that has had a waiting list, its places in queue order."""
    lists = []
    for offer in db.session.scalars(select(Offer).order_by(Offer.id)):
        entries = list(
            db.session.scalars(
                select(WaitlistEntry)
                .where(WaitlistEntry.offer_id == offer.id)
                .order_by(WaitlistEntry.joined_at, WaitlistEntry.id)
                .limit(SHOWN_PER_OFFER)
            )
        )
        if entries:
            lists.append(OfferList(offer=offer, entries=entries))
    return lists


@bp.get("/waitlist")
@requires("waitlist.view")
def index() -> Response:
    return render_page(
        "staff/waitlist.html",
        lists=_lists(),
        states=list(PlaceState),
        show_people=can(current_member().role, "waitlist.people"),
    )
