"""What every back-office page shares: a signed-in member, the role's permission, and
answers no cache keeps and no search engine lists."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, g, redirect, request, url_for

from app.audit.log import Actor
from app.staff.models import StaffMember
from app.staff.roles import can
from app.staff.sessions import renew_if_old, request_session
from app.web.rendering import render_page

# Pages open without a staff session: asking for a link and using it.
OPEN_ENDPOINTS = {
    "staff_signin.login",
    "staff_signin.send_link",
    "staff_signin.sent",
    "staff_signin.link",
    "staff_signin.use_link_now",
}


def staff_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /staff whose every page needs a member (except the sign-in)."""
    bp = Blueprint(name, import_name, url_prefix="/staff")
    bp.before_request(_require_member)
    bp.after_request(_staff_answer)
    bp.register_error_handler(403, _not_for_this_role)
    return bp


def _not_for_this_role(_error: Exception) -> Response:
    # In the back office's own layout, with the member's menu, in the team's words.
    return render_page("staff/forbidden.html", status=403)


def signed_in_member() -> StaffMember | None:
    """The member signed in on this browser, kept on `g` for the guard and the pages (also
    for an error page answered before the guard ran)."""
    g.staff_session = request_session()
    g.staff = g.staff_session.member if g.staff_session else None
    return g.staff


def _require_member() -> Response | None:
    if signed_in_member() is None and request.endpoint not in OPEN_ENDPOINTS:
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("staff_signin.login", next=target), code=303)
    return None


def _staff_answer(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return renew_if_old(response)


def ensure(permission: str) -> None:
    """Refuse (403) unless the signed-in member's role holds `permission`."""
    if not can(g.staff.role if g.get("staff") else None, permission):
        abort(403)


def requires(permission: str) -> Callable[..., Any]:
    """Refuse (403) a member whose role lacks `permission` (roles.PERMISSIONS)."""

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            ensure(permission)
            return view(*args, **kwargs)

        guarded.staff_permission = permission  # type: ignore[attr-defined]
        return guarded

    return mark


def current_member() -> StaffMember:
    return g.staff


def actor() -> Actor:
    """The signed-in member as the audit log names them."""
    member = current_member()
    # The member's own address: owners reading the log know their team.
    return Actor(staff_id=member.id, label=member.email, role=member.role)


def safe_next(target: str | None) -> str | None:
    """A `next` address only within the back office (never another site)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff"):
        return None
    return target
