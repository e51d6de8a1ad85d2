"""Wiring the back office into the app: its blueprints and what its templates use."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask, g
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.leads.forms import BUSINESS_STAGES, BUSINESS_TYPES, choice_label
from app.leads.models import Lead
from app.personal_data.masking import mask_personal_data
from app.staff import (
    audit_routes,
    checkin_routes,
    dashboard_routes,
    discount_routes,
    event_routes,
    image_routes,
    order_routes,
    outbox_routes,
    people_routes,
    signin_routes,
    waitlist_routes,
    wording_routes,
)
from app.staff.roles import DOOR, MARKETING, OWNER, can
from app.staff.sessions import request_session
from app.timeutil import to_lisbon
from app.web.limits import spare_from_app_budget

BLUEPRINTS = (
    signin_routes.bp,
    dashboard_routes.bp,
    order_routes.bp,
    people_routes.bp,
    checkin_routes.bp,
    outbox_routes.bp,
    audit_routes.bp,
    wording_routes.bp,
    event_routes.bp,
    image_routes.bp,
    waitlist_routes.bp,
    discount_routes.bp,
)
# The menu: (permission, endpoint, label), shown to the roles holding the permission.
MENU = (
    ("dashboard", "staff_dashboard.index", _l("Dashboard")),
    ("orders.view", "staff_orders.index", _l("Orders")),
    ("checkin", "staff_checkin.index", _l("Check-in")),
    ("attendees.view", "staff_people.attendees", _l("Attendees")),
    ("leads.view", "staff_people.leads", _l("Leads")),
    ("waitlist.view", "staff_waitlist.index", _l("Waiting list")),
    ("event.edit", "staff_event.edit", _l("Event")),
    ("discounts.manage", "staff_discounts.index", _l("Discount codes")),
    ("images.upload", "staff_images.index", _l("Images")),
    ("outbox.view", "staff_outbox.index", _l("Outbox")),
    ("wording.edit", "staff_wording.index", _l("Wording")),
    ("audit.view", "staff_audit.index", _l("Audit log")),
)
ROLE_LABELS = {OWNER: _l("owner"), MARKETING: _l("marketing"), DOOR: _l("door")}
# The team tells every state apart (the buyer's pages call failed and expired both "unpaid").
ORDER_STATES = {
    "awaiting_payment": _l("Awaiting payment"),
    "paid": _l("Paid"),
    "failed": _l("Failed"),
    "expired": _l("Expired"),
    "refunded": _l("Refunded"),
}
# Why an order moved, as its history keeps it (order_status_changes.reason): the shop's
# own codes and the payment providers' answers it names. A code not here (a card
# issuer's decline code passed on by Stripe) is shown as it came.
HISTORY_REASONS = {
    "order_placed": _l("placed at the checkout"),
    "payment_retried": _l("the buyer tried to pay again"),
    "payment_abandoned": _l("the buyer chose another way to pay"),
    "personal_data_erased": _l("closed when the buyer's data was erased"),
    "cancelled_by_staff": _l("cancelled by the team"),
    "payment_window_passed": _l("the time to pay ran out"),
    "refunded": _l("refunded"),
    "provider_unavailable": _l("the payment service could not be reached"),
    "payment_refused": _l("the payment service refused the details"),
    "card_declined": _l("card declined"),
    "payment_succeeded": _l("payment confirmed by Stripe"),
    "checkout_paid": _l("paid on Stripe's payment page"),
    "payment_canceled": _l("payment cancelled at Stripe"),
    "checkout_expired": _l("Stripe's payment page expired"),
    "async_payment_failed": _l("the payment failed after it was started (Stripe)"),
    "ifthenpay_callback": _l("payment notice from ifthenpay"),
    "ifthenpay_mbway_paid": _l("paid with MB WAY (ifthenpay)"),
    "ifthenpay_multibanco_paid": _l("Multibanco reference paid (ifthenpay)"),
    "mbway_rejected": _l("rejected in the MB WAY app"),
    "mbway_expired": _l("the MB WAY request was not answered in time"),
    "mbway_declined": _l("MB WAY refused it to the buyer (limits or card)"),
    "demo_card_paid": _l("paid by card (demo)"),
    "demo_mbway_approved": _l("approved in MB WAY (demo)"),
    "demo_multibanco_paid": _l("Multibanco reference paid (demo)"),
}
# Why an order waits for a person (orders.review_reason), and what to do.
REVIEW_REASONS = {
    "amount_mismatch": _l("the amount paid is not the order's: check it at the provider"),
    "paid_after_seat_released": _l(
        "paid after its seat was released and sold again: refund it, or find a seat"
    ),
    "paid_after_erasure": _l("paid after the buyer was erased: refund it"),
    "paid_twice": _l(
        "paid twice (the buyer also paid an earlier request or reference): refund the extra "
        "payment at the provider or by bank transfer"
    ),
    "dispute": _l("the buyer disputed the payment with her bank: answer it at Stripe"),
}
# The stages a visit reached before it left a lead or an order (analytics/journeys.py).
JOURNEY_STAGES = {
    "landing": _l("saw the landing page"),
    "checkout": _l("opened the checkout"),
    "lead": _l("left her details"),
    "order": _l("placed the order"),
}
LANGUAGE_NAMES = {"pt_PT": _l("Portuguese"), "en": _l("English")}
WORDING_STATES = {"draft": _l("draft"), "published": _l("live"), "retired": _l("earlier")}
# A plural message's forms as both catalogs number them (plural=(n != 1)).
PLURAL_FORM_NAMES = {0: _l("One (1)"), 1: _l("Several (0, 2 or more)")}
PLACE_STATES = {
    "waiting": _l("waiting"),
    "offered": _l("seat offered"),
    "claimed": _l("claimed"),
    "passed": _l("passed"),
    "left": _l("left the list"),
}
MESSAGE_STATES = {
    "pending": _l("waiting"),
    "delivered": _l("delivered"),
    "dead": _l("dead"),
    "skipped": _l("skipped"),
}
# Codes the shop itself keeps as a message's last error, in the team's words; anything
# else there is a receiver's answer, shown as it came (masked). The English sentence is
# what skips wrote before they kept a code.
MESSAGE_ERRORS = {
    outbox_routes.SKIPPED_BY_TEAM: _l("Skipped by the team"),
    "skipped by the team": _l("Skipped by the team"),
    # Not sent because the person was erased (privacy/erasure.py), and why.
    "person erased (request)": _l("Not sent: the person asked to be erased"),
    "person erased (operator)": _l("Not sent: the person was erased by an operator"),
    "person erased (retention)": _l("Not sent: the person was erased after the retention period"),
    "person erased (unconfirmed lead)": _l(
        "Not sent: the lead never confirmed her email and was erased"
    ),
}
# The worker's note on a message that ran out of attempts (outbox/worker.py), before the
# receiver's last answer.
GAVE_UP = re.compile(r"gave up after (\d+) attempts: (.*)", re.DOTALL)
# What the door makes of a ticket (Ticket.admission).
TICKET_STATES = {"valid": _l("valid"), "void": _l("void"), "unpaid": _l("unpaid")}
AUDIT_ACTIONS = {
    "order.refund": _l("refund"),
    "order.refund_transfer": _l("refund by bank transfer"),
    "order.refund_ticket": _l("one ticket refunded and voided"),
    "order.resend_confirmation": _l("confirmation resent"),
    # Kept for the entries written before the ticket holder and the order's contact
    # became two separate actions.
    "order.change_attendee": _l("attendee changed"),
    "order.correct_buyer": _l("order's name and email corrected"),
    "ticket.change_holder": _l("ticket given to another person"),
    "order.cancel": _l("order cancelled"),
    "order.reviewed": _l("marked reviewed"),
    "ticket.checkin": _l("ticket checked in"),
    "ticket.checkin_undo": _l("check-in undone"),
    "export.attendees": _l("attendees exported"),
    "export.leads": _l("leads exported"),
    "outbox.retry": _l("message retried"),
    "outbox.skip": _l("message skipped"),
    "wording.publish": _l("wording published"),
    "wording.revert": _l("wording reverted"),
    "event.publish": _l("event published"),
    "event.revert": _l("event reverted to an earlier version"),
    "image.upload": _l("image uploaded"),
    "image.delete": _l("image deleted"),
    "discount.create": _l("discount code created"),
    "discount.update": _l("discount code changed"),
}


def _member_can(permission: str) -> bool:
    member = g.get("staff")
    return member is not None and can(member.role, permission)


def init_staff(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.jinja_env.globals["staff_can"] = _member_can
    app.jinja_env.globals["staff_menu"] = lambda: [
        (permission, endpoint, label)
        for permission, endpoint, label in MENU
        if _member_can(permission)
    ]
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    # A signed-in member is a person at work, not a flood: the door's phones keep
    # working when attendees on the venue's Wi-Fi use up its address's budget.
    spare_from_app_budget(app, lambda: request_session() is not None)
    _labels(app)
    _times_and_masks(app)


def staff_time(value: datetime | None) -> str:
    """Lisbon date and time, sortable at a glance: 2026-11-30 14:05."""
    return to_lisbon(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _times_and_masks(app: Flask) -> None:
    """How the back office writes times, and errors without personal data."""
    app.add_template_filter(staff_time, "staff_time")

    @app.template_filter("staff_iso_time")
    def staff_iso_time(value: str | None) -> str:
        """A time a journey keeps as ISO text, shown like every other time here."""
        try:
            return staff_time(datetime.fromisoformat(value or ""))
        except ValueError:
            return "—"

    @app.template_filter("masked")
    def masked(text: str) -> str:
        """A message's last error as the team may read it: the shop's own codes in words
        (MESSAGE_ERRORS), anything else (a receiver's answer) with no email, phone or NIF."""
        label = MESSAGE_ERRORS.get(text)
        if label is not None:
            return str(label)
        gave_up = GAVE_UP.fullmatch(text)
        if gave_up:
            return ngettext(
                "Gave up after %(num)d attempt: %(error)s",
                "Gave up after %(num)d attempts: %(error)s",
                int(gave_up[1]),
                error=mask_personal_data(gave_up[2]),
            )
        return mask_personal_data(text)


def _labels(app: Flask) -> None:
    """The back office's words for stored codes: states, reasons, stages, languages."""
    tables = {
        "order_state": ORDER_STATES,
        "language_name": LANGUAGE_NAMES,
        "wording_state": WORDING_STATES,
        "plural_form": PLURAL_FORM_NAMES,
        "journey_stage": JOURNEY_STAGES,
        "review_reason": REVIEW_REASONS,
        "history_reason": HISTORY_REASONS,
        "message_state": MESSAGE_STATES,
        "place_state": PLACE_STATES,
        "audit_action": AUDIT_ACTIONS,
        "ticket_state": TICKET_STATES,
    }
    for name, table in tables.items():
        # The code itself when the table has no words for it (an older code, say).
        app.add_template_filter(lambda code, table=table: str(table.get(code, code)), name)

    @app.template_filter("business")
    def business(lead: Lead) -> str:
        """A lead's business type and stage in words (none for a lead made at the checkout)."""
        parts = (
            choice_label(BUSINESS_TYPES, lead.business_type),
            choice_label(BUSINESS_STAGES, lead.business_stage),
        )
        return " · ".join(part for part in parts if part) or "—"
