"""The staff session: its own signed cookie, apart from the buyers' session.

The cookie carries the member's id and when the session began, signed under the app's
secret; its signature's age is the idle time (renewed as the member works, at most
once a minute). The server still decides: a removed member, or a session begun
before "sign out everywhere", no longer counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC

from flask import Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.extensions import db
from app.staff.models import StaffMember
from app.timeutil import as_utc
from app.web.signing import secret_keys

SESSION_SALT = "staff-session"
RENEW_AFTER_SECONDS = 60


@dataclass(frozen=True)
class StaffSession:
    member: StaffMember
    began: float
    # Seconds since the cookie was last signed: renew it when it is getting old.
    age: float


def _serializer() -> URLSafeTimedSerializer:
    # A rotated SECRET_KEY keeps the team signed in while the old key is a fallback.
    return URLSafeTimedSerializer(secret_keys(), salt=SESSION_SALT)


_READ_KEY = "cv.staff_session"


def cookie_name() -> str:
    """`__Host-staff` over HTTPS (pinned to this host, path / and Secure), else `staff`."""
    return "__Host-staff" if current_app.config["SESSION_COOKIE_SECURE"] else "staff"


def _idle_seconds() -> int:
    return int(current_app.config["STAFF_IDLE_HOURS"]) * 3600


def read_session() -> StaffSession | None:
    """The signed-in member behind this request's cookie, or None."""
    raw = request.cookies.get(cookie_name())
    if not raw:
        return None
    try:
        value, signed_at = _serializer().loads(raw, max_age=_idle_seconds(), return_timestamp=True)
        member_id, began = int(value["m"]), float(value["b"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    member = db.session.get(StaffMember, member_id)
    if member is None or not member.active:
        return None
    if began < as_utc(member.sessions_valid_after).timestamp():
        return None
    age = time.time() - signed_at.replace(tzinfo=UTC).timestamp()
    return StaffSession(member, began, age)


def request_session() -> StaffSession | None:
    """`read_session()`, read once per request (the rate limiter asks before the guard).

    Kept on the request, not on `g`: an app context can outlive a request (tests)."""
    environ = request.environ
    if _READ_KEY not in environ:
        environ[_READ_KEY] = read_session()
    return environ[_READ_KEY]


def _set_cookie(response: Response, member_id: int, began: float) -> None:
    response.set_cookie(
        cookie_name(),
        _serializer().dumps({"m": member_id, "b": began}),
        max_age=_idle_seconds(),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
        path="/",
    )


def begin_session(response: Response, member: StaffMember) -> None:
    """Sign the member in on this browser."""
    _set_cookie(response, member.id, time.time())


def end_session(response: Response) -> None:
    response.delete_cookie(
        cookie_name(),
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def renew_if_old(response: Response) -> Response:
    """Keep an active member's session alive (the idle timeout counts from here)."""
    current: StaffSession | None = g.get("staff_session")
    if current is not None and current.age > RENEW_AFTER_SECONDS and response.status_code < 400:
        _set_cookie(response, current.member.id, current.began)
    return response
