"""The privacy centre: a person sees, downloads or erases their data, without JavaScript.

The visit is opened by a single-use emailed link and lasts PRIVACY_LINK_MINUTES; it is
kept in the signed session cookie, never in the URL.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, make_response, session, url_for

from app.analytics.datalayer import forget_customer
from app.privacy.access import (
    Visit,
    check_access,
    close_visit,
    request_access,
    use_access,
    visit_is_open,
)
from app.privacy.erasure import PaymentInProgress, close_open_payments, erase_person
from app.privacy.export import export_person
from app.privacy.forms import AccessForm, EraseForm
from app.timeutil import utcnow
from app.web.i18n import current_lang, localized_route
from app.web.limits import limited
from app.web.rendering import no_store, redirect_after_post, render_page

bp = Blueprint("privacy", __name__)

VISIT_KEY = "privacy_visit"


def _open_visit(visit: Visit) -> None:
    session[VISIT_KEY] = {"customer_id": visit.customer_id, "request_id": visit.request_id}


def _visit() -> Visit | None:
    """The visit open in this browser, if the shop still holds it open (a copy of the
    cookie is worth nothing once the visit was closed or ran out)."""
    held = session.get(VISIT_KEY)
    if not isinstance(held, dict):
        return None
    customer_id, request_id = held.get("customer_id"), held.get("request_id")
    if not (isinstance(customer_id, int) and isinstance(request_id, int)):
        session.pop(VISIT_KEY, None)
        return None
    visit = Visit(customer_id=customer_id, request_id=request_id)
    return visit if visit_is_open(visit) else None


def _visitor() -> int | None:
    """The person whose privacy centre is open in this browser, if the visit is current."""
    visit = _visit()
    return visit.customer_id if visit else None


@localized_route(bp, "/my-data", methods=["GET"])
def start() -> Response:
    return render_page("privacy/start.html", form=AccessForm())


@localized_route(bp, "/my-data", methods=["POST"], endpoint="send_link")
@limited("3 per hour")
def send_link() -> Response:
    form = AccessForm()
    if not form.validate_on_submit():
        return render_page("privacy/start.html", "access_form", status=422, form=form)
    request_access(form.email.data, current_lang())
    # The same answer whether or not the shop knows the address.
    return redirect_after_post(url_for("privacy.sent"))


@localized_route(bp, "/my-data/sent", methods=["GET"])
def sent() -> Response:
    return render_page("privacy/sent.html", minutes=current_app.config["PRIVACY_LINK_MINUTES"])


def _access_page(state: str, token: str) -> Response:
    """The link's page: a button while it works, else why not (410 used up or expired)."""
    status = 200 if state == "ok" else 410 if state in ("used", "expired") else 400
    return no_store(render_page("privacy/access.html", state=state, token=token, status=status))


@localized_route(bp, "/my-data/access/<token>", methods=["GET"])
def access(token: str) -> Response:
    """The emailed link shows one button: mail scanners that open links use nothing up."""
    return _access_page(check_access(token).state, token)


@localized_route(bp, "/my-data/access/<token>", methods=["POST"], endpoint="open_visit")
def open_visit(token: str) -> Response:
    visit, state = use_access(token)
    if visit is None:
        return _access_page(state, token)
    _open_visit(visit)
    return redirect_after_post(url_for("privacy.me"))


def _closed() -> Response:
    return redirect_after_post(url_for("privacy.start", closed=1))


def _visit_export() -> dict[str, Any] | None:
    """What the shop holds about the person whose visit is open here, or None (no visit,
    or the person is gone: the visit ends)."""
    customer_id = _visitor()
    if customer_id is None:
        return None
    try:
        return export_person(customer_id)
    except LookupError:
        session.pop(VISIT_KEY, None)
        return None


@localized_route(bp, "/my-data/me", methods=["GET"])
def me() -> Response:
    data = _visit_export()
    if data is None:
        return _closed()
    return no_store(render_page("privacy/me.html", data=data, form=EraseForm()))


@localized_route(bp, "/my-data/me/export.json", methods=["GET"])
def download() -> Response:
    data = _visit_export()
    if data is None:
        return _closed()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = make_response(body)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    stamp = utcnow().strftime("%Y-%m-%d")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="cafe-com-vendas-my-data-{stamp}.json"'
    )
    return no_store(response)


@localized_route(bp, "/my-data/me/erase", methods=["POST"])
def erase() -> Response:
    customer_id = _visitor()
    if customer_id is None:
        return _closed()
    form = EraseForm()

    def form_again(status: int, **extra: Any) -> Response:
        data = export_person(customer_id)
        return no_store(
            render_page(
                "privacy/me.html", "erase_form", status=status, data=data, form=form, **extra
            )
        )

    if not form.validate_on_submit():
        return form_again(422)
    try:
        close_open_payments(customer_id)
        erase_person(customer_id, notify=True, reason="request")
    except PaymentInProgress:
        return form_again(409, waiting=True)
    except LookupError:
        pass  # erased already (a double submit): the outcome is the same
    session.pop(VISIT_KEY, None)
    forget_customer()
    return redirect_after_post(url_for("privacy.erased"))


@localized_route(bp, "/my-data/erased", methods=["GET"])
def erased() -> Response:
    return render_page("privacy/erased.html")


@localized_route(bp, "/my-data/close", methods=["POST"])
def close() -> Response:
    """End the visit now (a shared computer), for every copy of this browser's cookie."""
    visit = _visit()
    if visit is not None:
        close_visit(visit.request_id)
    session.pop(VISIT_KEY, None)
    return redirect_after_post(url_for("privacy.start", closed=1))
