"""Orders in the back office: search, detail, and the actions a member may take on one.

Each action is a page with a confirmation step (works without JavaScript); with htmx the
form swaps in place. Every action lands in the audit log.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from flask import Response, abort, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.invoicing.documents import documents_of
from app.orders.methods import PaymentMethod
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.orders.ticket_cards import TicketCard, ticket_cards
from app.payments.models import WebhookEvent
from app.payments.refunds import refunds_by_transfer
from app.staff import order_actions
from app.staff.forms import (
    BuyerForm,
    ConfirmForm,
    RefundForm,
    SearchForm,
    TicketHolderForm,
    TicketRefundForm,
    TransferRefundForm,
)
from app.staff.guard import actor, ensure, requires, staff_blueprint
from app.staff.order_search import search_orders
from app.web.limits import limited
from app.web.rendering import redirect_after_post, render_page

bp = staff_blueprint("staff_orders", __name__)

REFUSALS = {
    "not_paid": _l("Only a paid order can do this."),
    "not_waiting": _l("Only an order still waiting for its payment can be cancelled."),
    "provider_busy": _l("The payment service could not close this payment now; try again soon."),
    "provider_refused": _l("The payment service refused the refund; nothing was refunded."),
    "not_flagged": _l("This order is not flagged for review."),
    "no_amount": _l("Type an amount above 0,00, or leave it empty to refund all that is left."),
    "too_much": _l(
        "That is more than is left to refund. Leave it empty to refund all that is left."
    ),
    "erased": _l("The buyer was erased: this order names nobody."),
    "not_found": _l("This order no longer exists."),
    "ticket_void": _l("This ticket is already void: nothing was refunded."),
    "holder_inside": _l(
        "This ticket was already used at the door: it stays in the name of the person who "
        "came in. Nothing was changed."
    ),
    "checked_in": _l(
        "This ticket was already used at the door: a ticket used cannot be refunded. Nothing "
        "was refunded."
    ),
    "no_transfer": _l("Say which transfer sent the money back."),
}
ACTIONS: dict[str, tuple[str, Any]] = {
    "refund": ("orders.refund", _l("Refund")),
    "refund_transfer": ("orders.refund", _l("Record a refund by bank transfer")),
    "resend": ("orders.resend", _l("Resend the confirmation email")),
    # The order's own contact; who each ticket is for changes on the ticket.
    "buyer": ("orders.change_attendee", _l("Correct the order's name and email")),
    "cancel": ("orders.cancel", _l("Cancel the unpaid order")),
    "review": ("orders.review", _l("Mark as reviewed")),
}

# What the page says was done, after an action (each action's title, and a seat's refund).
DONE = {key: label for key, (_permission, label) in ACTIONS.items()} | {
    "refund_ticket": _l("Refund this ticket"),
    "ticket_holder": _l("Change who this ticket is for"),
}


def _refusal(refused: order_actions.ActionRefused) -> str:
    """What the page says of a refused action; a refusal about used tickets counts them."""
    if refused.code == "tickets_used":
        return ngettext(
            "%(num)d ticket of this order was already used at the door: refunding all that is "
            "left would void it and free its seat. Nothing was refunded. Refund only part of "
            "the amount, or each unused ticket on its own from the order page.",
            "%(num)d tickets of this order were already used at the door: refunding all that "
            "is left would void them and free their seats. Nothing was refunded. Refund only "
            "part of the amount, or each unused ticket on its own from the order page.",
            refused.count,
        )
    return str(REFUSALS.get(refused.code, refused.code))


def _order(order_id: str) -> Order:
    try:
        order = db.session.get(Order, uuid.UUID(order_id))
    except ValueError:
        order = None
    if order is None:
        abort(404)
    return order


@bp.get("/orders")
@requires("orders.view")
def index() -> Response:
    form = SearchForm(request.args)
    status = request.args.get("status", "")
    method = request.args.get("method", "")
    status = status if status in set(OrderStatus) else ""
    method = method if method in set(PaymentMethod) else ""
    page = request.args.get("page", "1")
    found = search_orders(form.q.data or "", status, method, int(page) if page.isdigit() else 1)
    return render_page(
        "staff/orders.html",
        "results",
        form=form,
        status_filter=status,
        method_filter=method,
        statuses=list(OrderStatus),
        methods=list(PaymentMethod),
        found=found,
    )


@bp.get("/orders/<order_id>")
@requires("orders.view")
def detail(order_id: str) -> Response:
    order = _order(order_id)
    events = db.session.scalars(
        select(WebhookEvent).where(WebhookEvent.order_id == order.id).order_by(WebhookEvent.id)
    ).all()
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.order_id == order.id).order_by(AuditEntry.id)
    ).all()
    possible = order_actions.applicable(order)
    return render_page(
        "staff/order.html",
        order=order,
        events=events,
        messages=order_actions.messages_about_order(order),
        audit=audit,
        documents=documents_of(order.id),
        tickets=ticket_cards(order),
        seat_refunds="refund" in possible or "refund_transfer" in possible,
        holder_changes="buyer" in possible,
        actions={key: ACTIONS[key] for key in ACTIONS if key in possible},
        done=DONE.get(request.args.get("done", "")),
        queued=request.args.get("queued", type=int),
        emailed=request.args.get("emailed", type=int),
    )


def _form_for(action: str, order: Order) -> Any:
    if action == "refund":
        return RefundForm()
    if action == "refund_transfer":
        return TransferRefundForm()
    if action == "buyer":
        return BuyerForm(
            data={"name": order.name_on_order, "email": order.email_on_order}
            if request.method == "GET"
            else None
        )
    return ConfirmForm()


def _cents(typed: str | None) -> int | None:
    if not typed:
        return None
    return int(Decimal(typed.replace(",", ".")) * 100)


def _do(action: str, order: Order, form: Any) -> dict[str, int]:
    """Carry out the action; what it returns goes into the page's "done" message."""
    who = actor()
    if action == "resend":
        return {"queued": order_actions.resend_confirmation(who, order)}
    if action == "refund":
        order_actions.refund(who, order, _cents(form.amount.data))
    elif action == "refund_transfer":
        transfer = form.transfer.data.strip()
        order_actions.refund_by_transfer(who, order, _cents(form.amount.data), transfer)
    elif action == "buyer":
        order_actions.correct_buyer(who, order, form.name.data.strip(), form.email.data)
    elif action == "cancel":
        order_actions.cancel_unpaid(who, order)
    else:
        order_actions.mark_reviewed(who, order)
    return {}


@bp.route("/orders/<order_id>/<action>", methods=["GET", "POST"])
@limited("30 per minute")
def act(order_id: str, action: str) -> Response:
    """One action's confirmation page (GET) and the action itself (POST)."""
    if action not in ACTIONS:
        abort(404)
    permission, title = ACTIONS[action]
    ensure(permission)
    order = _order(order_id)
    form = _form_for(action, order)
    error = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            said = _do(action, order, form)
        except order_actions.ActionRefused as refused:
            error = _refusal(refused)
        else:
            return redirect_after_post(
                url_for("staff_orders.detail", order_id=order.id, done=action, **said)
            )
    return render_page(
        "staff/order_action.html",
        "action_form",
        status=422 if request.method == "POST" else 200,
        order=order,
        form=form,
        action=action,
        title=title,
        error=error,
        used=order_actions.used_at_the_door(order),
    )


def _card(order: Order, wanted: uuid.UUID) -> TicketCard:
    """The ticket as the page shows it (read again after an action, to show it as it is)."""
    return next(card for card in ticket_cards(order) if card.id == wanted)


def _ticket_id(order: Order, ticket_id: str) -> uuid.UUID:
    try:
        wanted = uuid.UUID(ticket_id)
    except ValueError:
        abort(404)
    if all(ticket.id != wanted for ticket in order.tickets):
        abort(404)
    return wanted


@bp.route("/orders/<order_id>/tickets/<ticket_id>/refund", methods=["GET", "POST"])
@limited("30 per minute")
@requires("orders.refund")
def refund_ticket(order_id: str, ticket_id: str) -> Response:
    """Refund one seat and void its ticket: a confirmation page (GET), the action (POST)."""
    order = _order(order_id)
    wanted = _ticket_id(order, ticket_id)
    by_transfer = order.status == OrderStatus.PAID and refunds_by_transfer(order)
    form = TicketRefundForm()
    error = None
    if request.method == "POST" and form.validate_on_submit():
        transfer = (form.transfer.data or "").strip()
        try:
            if by_transfer and not transfer:
                raise order_actions.ActionRefused("no_transfer")
            order_actions.refund_ticket(actor(), order, wanted, transfer if by_transfer else "")
        except order_actions.ActionRefused as refused:
            error = _refusal(refused)
        else:
            return redirect_after_post(
                url_for("staff_orders.detail", order_id=order.id, done="refund_ticket")
            )
    card = _card(order, wanted)
    return render_page(
        "staff/ticket_refund.html",
        "action_form",
        status=422 if request.method == "POST" else 200,
        order=order,
        ticket=card,
        cents=order_actions.seat_cents(order) if order.status == OrderStatus.PAID else 0,
        by_transfer=by_transfer,
        form=form,
        error=error,
    )


@bp.route("/orders/<order_id>/tickets/<ticket_id>/holder", methods=["GET", "POST"])
@limited("30 per minute")
@requires("orders.change_attendee")
def ticket_holder(order_id: str, ticket_id: str) -> Response:
    """Give one ticket to another person: a form with who it is for now (GET), the
    change (POST), which emails her the ticket when she has an address of her own."""
    order = _order(order_id)
    wanted = _ticket_id(order, ticket_id)
    card = _card(order, wanted)
    form = TicketHolderForm(
        data={"name": card.attendee_name, "email": card.attendee_email or ""}
        if request.method == "GET"
        else None
    )
    error = None
    if request.method == "POST" and form.validate_on_submit():
        name, email = form.name.data.strip(), form.email.data or ""
        try:
            sent = order_actions.change_ticket_holder(actor(), order, wanted, name, email)
        except order_actions.ActionRefused as refused:
            error = _refusal(refused)
        else:
            done = {"done": "ticket_holder", "emailed": 1 if sent else None}
            return redirect_after_post(url_for("staff_orders.detail", order_id=order.id, **done))
    return render_page(
        "staff/ticket_holder.html",
        "action_form",
        status=422 if request.method == "POST" else 200,
        order=order,
        ticket=card,
        form=form,
        error=error,
    )
