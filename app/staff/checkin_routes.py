"""Check-in at the door (/staff/checkin): scan or type a ticket's code, or find a name.

Everything works as plain forms on a phone without JavaScript: the code form posts and
the answer is rendered in place of the page (no redirect: the answer is about this one
post, and posting the same code again rightly answers "already"). With htmx the same
block is swapped in, so the camera (static/js/checkin.js) keeps running between scans.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, request
from flask_babel import lazy_gettext as _l

from app.staff import door
from app.staff.forms import CheckinForm, DoorSearchForm, UndoCheckinForm
from app.staff.guard import actor, requires, staff_blueprint
from app.tickets.codes import ticket_code
from app.timeutil import to_lisbon, utcnow
from app.web.rendering import render_page
from app.web.security import permits

bp = staff_blueprint("staff_checkin", __name__)

# Why a ticket is turned away, in the door's words.
VOID_REASONS = {
    "voided": _l("This ticket was cancelled (its seat was refunded or given up)."),
    "refunded": _l("This ticket's order was refunded."),
    "unpaid": _l("This ticket's order was never paid."),
    "other_event": _l("This ticket is for another event."),
}
UNDO_REFUSALS = {
    "too_late": _l(
        "This check-in can no longer be undone: more than 5 minutes have passed. "
        "Ask the owner if it was a mistake."
    ),
    "not_checked_in": _l("This ticket is not checked in: there is nothing to undo."),
}


def door_time(value: datetime) -> str:
    """14:05 on the event's day (the door's only day); the date too for another day."""
    local = to_lisbon(value)
    same_day = local.date() == to_lisbon(utcnow()).date()
    return local.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M")


def _page(status: int = 200, **context: Any) -> Response:
    search = DoorSearchForm(request.args)
    typed = search.q.data or ""
    context.setdefault("form", CheckinForm(formdata=None))
    return render_page(
        "staff/checkin.html",
        "door",
        status=status,
        search=search,
        found=door.find_by_name(typed) if typed else None,
        counts=door.counts(),
        undo_form=UndoCheckinForm(formdata=None),
        void_reasons=VOID_REASONS,
        checked_in_by=door.checked_in_by,
        ticket_code=ticket_code,
        door_time=door_time,
        **context,
    )


@bp.get("/checkin")
@requires("checkin")
@permits("camera")
def index() -> Response:
    return _page()


@bp.post("/checkin")
@requires("checkin")
@permits("camera")
def admit() -> Response:
    form = CheckinForm()
    if not form.validate_on_submit():
        return _page(422, form=form)
    answer = door.check_in(form.code.data, actor())
    # A fresh, empty field for the next person; the answer says whose code it was.
    return _page(answer=answer, typed=form.code.data)


@bp.post("/checkin/undo")
@requires("checkin")
@permits("camera")
def undo() -> Response:
    form = UndoCheckinForm()
    if not form.validate_on_submit():
        return _page(422, undo_error=UNDO_REFUSALS["not_checked_in"])
    try:
        ticket = door.undo_check_in(form.ticket.data, actor())
    except door.UndoRefused as refused:
        return _page(422, undo_error=UNDO_REFUSALS[refused.code])
    return _page(undone=ticket)
