"""The outbox for the team: what waits, retries, died or was skipped, with the last error
(masked) and which order and person each message is about, with "retry now" on each and
"skip" behind a confirmation page (skipping cannot be undone; it works without JavaScript)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, request, url_for
from sqlalchemy import func, select

from app.audit.log import record
from app.customers.models import Customer
from app.extensions import db
from app.orders.models import Order
from app.outbox.models import OutboxMessage, OutboxStatus
from app.outbox.services import retry_now, skip
from app.staff.forms import ConfirmForm
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
# Why a member's skip ended a message, kept as a code in its last error: the pages say it
# in the team's language (setup.MESSAGE_ERRORS), whatever language it was done in.
SKIPPED_BY_TEAM = "skipped_by_team"


@dataclass(frozen=True)
class About:
    """Which order (when it still exists) and which person a message is about."""

    order_id: uuid.UUID | None
    person: str | None


def _order_id(message: OutboxMessage) -> uuid.UUID | None:
    try:
        return uuid.UUID(str((message.payload or {}).get("order_id")))
    except ValueError:
        return None


def about(messages: Sequence[OutboxMessage]) -> dict[int, About]:
    """What each message is about, read in two queries for the whole page (names are
    encrypted: only the people of the page's messages are read back)."""
    wanted = {message.id: _order_id(message) for message in messages}
    ids = {order_id for order_id in wanted.values() if order_id}
    people = {message.customer_id for message in messages if message.customer_id}
    orders: set[uuid.UUID] = set()
    names: dict[int, str] = {}
    if ids:
        orders = set(db.session.scalars(select(Order.id).where(Order.id.in_(ids))))
    if people:
        found = db.session.execute(
            select(Customer.id, Customer.name).where(Customer.id.in_(people))
        )
        names = {customer_id: name for customer_id, name in found}
    return {
        message.id: About(
            wanted[message.id] if wanted[message.id] in orders else None,
            names.get(message.customer_id) if message.customer_id else None,
        )
        for message in messages
    }


def _view() -> str:
    view = request.values.get("view", "dead")
    return view if view in VIEWS else "dead"


@bp.get("/outbox")
@requires("outbox.view")
def index() -> Response:
    view = _view()
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
        about=about(messages),
        done=request.args.get("done"),
    )


def _locked(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None:
        abort(404)
    return message


def _done(action: str, message: OutboxMessage, changed: bool, before: dict[str, Any]) -> Response:
    """Audit what changed, commit, and go back to the outbox's tab the member was on."""
    if changed:
        record(
            actor(),
            f"outbox.{action}",
            order_id=_order_id(message),
            customer_id=message.customer_id,
            before={**before, "message": message.id},
            after={"status": message.status},
        )
    db.session.commit()
    done = action if changed else "nothing"
    return redirect_after_post(url_for("staff_outbox.index", view=_view(), done=done))


@bp.post("/outbox/<int:message_id>/retry")
@requires("outbox.act")
@limited("60 per minute")
def retry(message_id: int) -> Response:
    message = _locked(message_id)
    before = {"status": message.status, "attempts": message.attempts}
    return _done("retry", message, retry_now(message), before)


@bp.route("/outbox/<int:message_id>/skip", methods=["GET", "POST"])
@requires("outbox.act")
@limited("60 per minute")
def skip_message(message_id: int) -> Response:
    """What skipping gives up on, and the box that confirms it (GET); the skip (POST).
    A POST without the box ticked changes nothing: it shows the page again."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        message = _locked(message_id)
        before = {"status": message.status, "attempts": message.attempts}
        return _done("skip", message, skip(message, SKIPPED_BY_TEAM), before)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_page(
        "staff/outbox_skip.html",
        status=422 if request.method == "POST" else 200,
        message=message,
        about=about([message])[message.id],
        ended=message.status not in (OutboxStatus.PENDING, OutboxStatus.DEAD),
        form=form,
        view=_view(),
    )
