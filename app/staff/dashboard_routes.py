"""The dashboard (`/staff/`): seats, money, sales, the funnel and the outbox at a glance."""

from __future__ import annotations

from datetime import timedelta

from flask import Response
from flask_babel import lazy_gettext as _l

from app.staff import dashboard
from app.staff.charts import day_chart, funnel_chart
from app.staff.guard import requires, staff_blueprint
from app.timeutil import utcnow
from app.web.rendering import render_page

bp = staff_blueprint("staff_dashboard", __name__)

STAGE_LABELS = {
    "views": _l("Landing views"),
    "leads": _l("Leads"),
    "confirmed": _l("Confirmed leads"),
    "checkouts": _l("Checkouts started"),
    "paid": _l("Paid orders"),
}


@bp.get("/")
@requires("dashboard")
def index() -> Response:
    funnel = dashboard.funnel()
    stages = [(str(STAGE_LABELS[s]), funnel.total(s)) for s in dashboard.STAGES]
    per_day = day_chart(funnel.days, {s: funnel.per_day[s] for s in ("views", "leads", "paid")})
    return render_page(
        "staff/dashboard.html",
        seats=dashboard.seats(),
        money=dashboard.money(),
        today=dashboard.sales_since(dashboard.start_of_today()),
        week=dashboard.sales_since(utcnow() - timedelta(days=7)),
        funnel=funnel,
        campaigns=dashboard.funnel_by_campaign(),
        stage_labels=STAGE_LABELS,
        funnel_chart=funnel_chart(stages),
        day_chart=per_day,
        outbox=dashboard.outbox_health(),
        flagged=dashboard.flagged_orders(),
    )
