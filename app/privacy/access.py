"""Access links: a person proves they own an email by following a link sent to it.

The link opens the privacy centre once, for PRIVACY_LINK_MINUTES; the form that asks for
it answers the same whether or not the shop knows the address.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from app.customers.services import find_customer_by_email
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.outbox.services import enqueue
from app.privacy.models import PrivacyRequest
from app.timeutil import as_utc, utcnow
from app.web.signing import sign, unsign_id

ACCESS_SALT = "privacy-access"


def link_minutes() -> int:
    return int(current_app.config["PRIVACY_LINK_MINUTES"])


def request_access(email: str, locale: str) -> None:
    """Queue an access link for this email if the shop knows it; otherwise do nothing.

    The caller shows the same answer either way, so the form never tells a stranger
    whether someone is a customer.
    """
    begin_locking_transaction()
    customer = find_customer_by_email(email)
    if customer is None:
        db.session.rollback()
        return
    now = utcnow()
    request = PrivacyRequest(
        customer_id=customer.id,
        locale=locale,
        created_at=now,
        expires_at=now + timedelta(minutes=link_minutes()),
    )
    db.session.add(request)
    db.session.flush()
    enqueue(
        "email",
        "privacy_link",
        {"request_id": request.id},
        # Random: SQLite may give a deleted request's id to a new one.
        f"privacy:{request.id}:link:{uuid.uuid4().hex}",
        customer.id,
    )
    db.session.commit()


def access_token(request_id: int) -> str:
    """The signed token in the emailed link (only the worker makes it, when it sends)."""
    return sign(request_id, ACCESS_SALT)


@dataclass(frozen=True)
class AccessCheck:
    state: str  # ok, used, expired, invalid
    request: PrivacyRequest | None = None


def check_access(token: str) -> AccessCheck:
    """Whether a link may open the privacy centre, without using it up."""
    request_id, state = unsign_id(token, ACCESS_SALT, link_minutes() * 60)
    if request_id is None:
        return AccessCheck(state)
    request = db.session.get(PrivacyRequest, request_id)
    if request is None:
        # A genuine link whose request is gone: the person was erased since (which uses
        # the link up), or it was purged long after expiring.
        return AccessCheck("used")
    if request.used_at is not None:
        return AccessCheck("used", request)
    if as_utc(request.expires_at) <= utcnow():
        return AccessCheck("expired", request)
    return AccessCheck("ok", request)


@dataclass(frozen=True)
class Visit:
    """A privacy-centre visit opened by a link: whose data, and which link opened it."""

    customer_id: int
    request_id: int


def use_access(token: str) -> tuple[Visit | None, str]:
    """Use a link once: (the visit it opens, "ok"), or (None, why not)."""
    check = check_access(token)
    if check.state != "ok" or check.request is None:
        return None, check.state
    begin_locking_transaction()
    request = db.session.get(PrivacyRequest, check.request.id, with_for_update=True)
    if request is None or request.used_at is not None:
        db.session.rollback()
        return None, "used"
    request.used_at = utcnow()
    visit = Visit(customer_id=request.customer_id, request_id=request.id)
    db.session.commit()
    return visit, "ok"


def visit_is_open(visit: Visit) -> bool:
    """The visit's link was used, the visit was not closed, and its time has not run out."""
    request = db.session.get(PrivacyRequest, visit.request_id)
    if request is None or request.customer_id != visit.customer_id or request.used_at is None:
        return False
    ends = as_utc(request.used_at) + timedelta(minutes=link_minutes())
    return request.visit_closed_at is None and utcnow() < ends


def close_visit(request_id: int) -> None:
    """End the visit for every browser holding it (commits)."""
    begin_locking_transaction()
    request = db.session.get(PrivacyRequest, request_id)
    if request is not None and request.visit_closed_at is None:
        request.visit_closed_at = utcnow()
    db.session.commit()
