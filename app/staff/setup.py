"""Wiring the back office into the app: its blueprints and what its templates use."""

from __future__ import annotations

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
from app.staff.words import (
    AUDIT_ACTIONS,
    GAVE_UP,
    HISTORY_REASONS,
    JOURNEY_STAGES,
    LANGUAGE_NAMES,
    MESSAGE_ERRORS,
    MESSAGE_STATES,
    ORDER_STATES,
    PLACE_STATES,
    PLURAL_FORM_NAMES,
    REVIEW_REASONS,
    TICKET_STATES,
    WORDING_STATES,
    audit_values,
    message_kind,
    payment_notice,
    staff_time,
)
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

    app.add_template_filter(audit_values, "audit_values")
    app.add_template_filter(
        lambda message: message_kind(message.channel, message.kind), "message_kind"
    )
    app.add_template_filter(
        lambda event: payment_notice(event.provider, event.type, event.result), "payment_notice"
    )

    @app.template_filter("business")
    def business(lead: Lead) -> str:
        """A lead's business type and stage in words (none for a lead made at the checkout)."""
        parts = (
            choice_label(BUSINESS_TYPES, lead.business_type),
            choice_label(BUSINESS_STAGES, lead.business_stage),
        )
        return " · ".join(part for part in parts if part) or "—"
