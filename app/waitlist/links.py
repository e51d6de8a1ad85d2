"""The signed links of the waiting list's email: claim the held seat, leave the list.

Each has its own salt, so a claim link never removes anyone and a leave link never
buys anything. The claim's real deadline is its row's `expires_at`; the signature's
age only keeps old links from being tried forever.
"""

from __future__ import annotations

from flask import current_app

from app.web.signing import sign, unsign_id

CLAIM_SALT = "waitlist-claim"
LEAVE_SALT = "waitlist-leave"
# A place may wait months for a seat; its leave link works as long.
LEAVE_MAX_AGE_SECONDS = 400 * 24 * 3600


def claim_token(seat_offer_id: int) -> str:
    return sign(seat_offer_id, CLAIM_SALT)


def seat_offer_id_from_token(token: str) -> int | None:
    # A day of slack past the hold: the row says "passed" more clearly than "invalid".
    max_age = int((current_app.config["WAITLIST_CLAIM_HOURS"] + 24) * 3600)
    seat_offer_id, _state = unsign_id(token, CLAIM_SALT, max_age)
    return seat_offer_id


def leave_token(entry_id: int) -> str:
    return sign(entry_id, LEAVE_SALT)


def entry_id_from_token(token: str) -> int | None:
    entry_id, _state = unsign_id(token, LEAVE_SALT, LEAVE_MAX_AGE_SECONDS)
    return entry_id
