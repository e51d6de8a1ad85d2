"""The outbox for the team: what waits, retries, died or was skipped, with the last error
(masked), and "retry now" / "skip" on each."""

from __future__ import annotations

from flask import Response, abort, request, url_for
from sqlalchemy import func, select

from app.audit.log import record
from app.extensions import db
from app.outbox.models import OutboxMessage, OutboxStatus
from app.outbox.services import retry_now, skip
from app.staff.guard import actor, requires, staff_blueprint
from app.web.limits import limited
from app.web.rendering import redirect_after_post, render_page

bp = staff_blueprint("staff_outbox", __name__)
SHOWN = 100
VIEWS = {
    "waiting": (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.attempts == 0),
    "retrying": (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.attempts > 0),
    "dead": OutboxMessage.status == OutboxStatus.DEAD,
    "skipped": OutboxMessage.status == OutboxStatus.SKIPPED,
}


@bp.get("/outbox")
@requires("outbox.view")
def index() -> Response:
    view = request.args.get("view", "dead")
    if view not in VIEWS:
        view = "dead"
    counts = {
        name: db.session.scalar(select(func.count(OutboxMessage.id)).where(condition)) or 0
        for name, condition in VIEWS.items()
    }
    messages = db.session.scalars(
        select(OutboxMessage).where(VIEWS[view]).order_by(OutboxMessage.id.desc()).limit(SHOWN)
    ).all()
    return render_page(
        "staff/outbox.html",
        view=view,
        counts=counts,
        messages=messages,
        done=request.args.get("done"),
    )


@bp.post("/outbox/<int:message_id>/<action>")
@requires("outbox.act")
@limited("60 per minute")
def act(message_id: int, action: str) -> Response:
    if action not in {"retry", "skip"}:
        abort(404)
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        abort(404)
    before = {"status": message.status, "attempts": message.attempts}
    changed = retry_now(message) if action == "retry" else skip(message, "skipped by the team")
    if changed:
        record(
            actor(),
            f"outbox.{action}",
            customer_id=message.customer_id,
            before={**before, "message": message.id},
            after={"status": message.status},
        )
    db.session.commit()
    view = request.form.get("view", "dead")
    done = action if changed else "nothing"
    return redirect_after_post(url_for("staff_outbox.index", view=view, done=done))
