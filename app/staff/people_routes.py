"""Attendees (the door list, printable, and its CSV) and leads (with their CSV)."""

from __future__ import annotations

from flask import Response, request, stream_with_context

from app.audit.log import record
from app.extensions import db
from app.staff import people
from app.staff.guard import actor, current_member, requires, staff_blueprint
from app.staff.roles import can
from app.timeutil import to_lisbon, utcnow
from app.web.limits import limited
from app.web.rendering import render_page

bp = staff_blueprint("staff_people", __name__)


def _csv(lines, name: str) -> Response:  # type: ignore[no-untyped-def]
    # Named by the team's clock: in summer a UTC stamp is an hour behind the one they read.
    stamp = to_lisbon(utcnow()).strftime("%Y%m%d-%H%M")
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def _consenting_only() -> bool:
    """Marketing sees only leads who confirmed they want marketing email."""
    return not can(current_member().role, "leads.all")


@bp.get("/attendees")
@requires("attendees.view")
def attendees() -> Response:
    rows = people.attendees()
    return render_page(
        "staff/attendees.html", attendees=rows, show_nif=can(current_member().role, "personal.nif")
    )


@bp.get("/attendees.csv")
@requires("attendees.export")
@limited("10 per minute", methods=("GET",))
def attendees_csv() -> Response:
    with_nif = can(current_member().role, "personal.nif")
    record(actor(), "export.attendees", after={"with_nif": with_nif})
    db.session.commit()
    return _csv(people.attendees_csv(with_nif), "participantes")


@bp.get("/leads")
@requires("leads.view")
def leads() -> Response:
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and int(page) > 0 else 1
    consenting_only = _consenting_only()
    rows, total = people.leads_page(consenting_only, page_number)
    pages = max(1, -(-total // people.LEADS_PAGE))
    return render_page(
        "staff/leads.html",
        leads=rows,
        total=total,
        page=page_number,
        pages=pages,
        consenting_only=consenting_only,
    )


@bp.get("/leads.csv")
@requires("leads.export")
@limited("10 per minute", methods=("GET",))
def leads_csv() -> Response:
    consenting_only = _consenting_only()
    record(actor(), "export.leads", after={"consenting_only": consenting_only})
    db.session.commit()
    return _csv(people.leads_csv(consenting_only), "leads")
