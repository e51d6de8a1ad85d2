"""Signing in without a password: a single-use link, valid for minutes, sent to the
member's email through the outbox.

The form answers the same whether or not the address belongs to the team. The link
opens a page with one button, so a mail scanner that opens links uses nothing up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.outbox.services import enqueue
from app.staff.accounts import find_member
from app.staff.models import StaffMember, StaffSignIn
from app.timeutil import as_utc, utcnow
from app.web.signing import sign, unsign_id

SIGN_IN_SALT = "staff-sign-in"


def link_minutes() -> int:
    return int(current_app.config["STAFF_LINK_MINUTES"])


def request_sign_in(email: str) -> None:
    """Queue a sign-in link if this is a member's address; otherwise do nothing."""
    begin_locking_transaction()
    member = find_member(email)
    if member is None:
        db.session.rollback()
        return
    now = utcnow()
    link = StaffSignIn(
        member=member, created_at=now, expires_at=now + timedelta(minutes=link_minutes())
    )
    db.session.add(link)
    db.session.flush()
    enqueue(
        "email", "staff_sign_in", {"sign_in_id": link.id}, f"staff:{link.id}:{uuid.uuid4().hex}"
    )
    db.session.commit()


def sign_in_token(sign_in_id: int) -> str:
    """The signed token in the emailed link (made by the worker when it sends)."""
    return sign(sign_in_id, SIGN_IN_SALT)


@dataclass(frozen=True)
class LinkCheck:
    state: str  # ok, used, expired, invalid
    link: StaffSignIn | None = None


def check_link(token: str) -> LinkCheck:
    """Whether a link may still sign in, without using it up."""
    sign_in_id, state = unsign_id(token, SIGN_IN_SALT, link_minutes() * 60)
    if sign_in_id is None:
        return LinkCheck(state)
    link = db.session.get(StaffSignIn, sign_in_id)
    if link is None or not link.member.active:
        return LinkCheck("invalid")
    if link.used_at is not None:
        return LinkCheck("used", link)
    if as_utc(link.expires_at) <= utcnow():
        return LinkCheck("expired", link)
    return LinkCheck("ok", link)


def use_link(token: str) -> StaffMember | None:
    """Use the link up (once, even if two tabs press at once); the member, or None."""
    check = check_link(token)
    if check.state != "ok" or check.link is None:
        return None
    now = utcnow()
    taken = db.session.execute(
        update(StaffSignIn)
        .where(StaffSignIn.id == check.link.id, StaffSignIn.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if taken != 1:
        db.session.rollback()
        return None
    member = check.link.member
    member.last_sign_in_at = now
    db.session.commit()
    return member
