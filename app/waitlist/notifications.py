"""The one email a place on the waiting list may cause: a seat is held for you.

Queued in the transaction that holds the seat; composed by the outbox worker from the
seat offer as it then stands (`COMPOSERS`).
"""

from __future__ import annotations

from email.message import EmailMessage

from flask import url_for
from flask_babel import gettext as _

from app.extensions import db
from app.outbox.errors import NothingToSend
from app.outbox.mail import mark_language, new_email, write_body
from app.outbox.models import OutboxMessage
from app.outbox.services import enqueue
from app.waitlist.links import claim_token, leave_token
from app.waitlist.models import SeatOffer
from app.web.i18n import speaking


def seat_offered(seat_offer: SeatOffer) -> None:
    """Tell the person a seat is held for them, with the claim and leave links."""
    entry = seat_offer.entry
    enqueue(
        "email",
        "waitlist_seat_offered",
        {"seat_offer_id": seat_offer.id},
        f"waitlist:seat-offer:{seat_offer.id}:email",
        entry.customer_id,
    )


def compose_seat_offered(message: OutboxMessage) -> EmailMessage:
    seat_offer = db.session.get(SeatOffer, message.payload["seat_offer_id"])
    if seat_offer is None:
        raise NothingToSend("the place on the waiting list was erased")
    if seat_offer.ended_at is not None or seat_offer.claimed_at is not None:
        raise NothingToSend("the held seat was already used or passed on")
    entry = seat_offer.entry
    offer = seat_offer.offer
    offer_name = offer.localized_name(entry.locale)
    with speaking(entry.locale):
        claim_url = url_for(
            "checkout.checkout",
            slug=offer.slug,
            claim=claim_token(seat_offer.id),
            _external=True,
        )
        leave_url = url_for("waitlist.leave_page", token=leave_token(entry.id), _external=True)
        subject = _("A seat is free for you: %(offer)s", offer=offer_name)
        email = new_email(message, entry.name, entry.email, subject)
        write_body(
            email,
            "waitlist_seat_offered",
            entry=entry,
            seat_offer=seat_offer,
            offer_name=offer_name,
            event=offer.event,
            lang=entry.locale,
            claim_url=claim_url,
            leave_url=leave_url,
        )
    return mark_language(email, entry.locale)


COMPOSERS = {("email", "waitlist_seat_offered"): compose_seat_offered}
