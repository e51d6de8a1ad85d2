"""The audit log for owners: newest first, 100 a page."""

from __future__ import annotations

from flask import Response, request
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.extensions import db
from app.staff.guard import requires, staff_blueprint
from app.web.rendering import render_page

bp = staff_blueprint("staff_audit", __name__)
PAGE = 100


@bp.get("/audit")
@requires("audit.view")
def index() -> Response:
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and int(page) > 0 else 1
    total = db.session.scalar(select(func.count(AuditEntry.id))) or 0
    entries = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).limit(PAGE).offset((number - 1) * PAGE)
    ).all()
    return render_page(
        "staff/audit.html",
        entries=entries,
        page=number,
        pages=max(1, -(-total // PAGE)),
    )
