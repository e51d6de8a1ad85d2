"""The dataLayer, built on the server from what the shop knows, never guessed in the browser.

Every page pushes `journey_progression`; pages where a GA4 ecommerce step happens push
that event too (`push`). Nothing personal goes in: the user id is an HMAC of the email.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request, session
from sqlalchemy.exc import SQLAlchemyError

from app.customers.models import Customer
from app.extensions import db
from app.web.htmx import is_fragment_request
from app.web.input_rules import normalize_email
from app.web.signing import keyed_digest

PAGE_TYPES = {
    "landing.index": "landing",
    "checkout.checkout": "checkout",
    "checkout.submit": "checkout",
    "checkout.order": "order",
    "checkout.attendee": "attendee",
    "leads.form": "lead",
    "leads.submit": "lead",
    "leads.thanks": "thanks",
}
ENVIRON_KEY = "cv.datalayer"
VARIANT_KEY = "cv.variant"
LEAD_LEFT_KEY = "lead_left"
PAYMENT_INFO_KEY = "payment_info"
# Orders whose purchase this browser already pushed (checkout/datalayer.py).
PURCHASES_KEY = "purchases_pushed"


def remember_customer(customer_id: int) -> None:
    """After a lead or a checkout, later pages know who this is (by id, in the signed session)."""
    session["customer_id"] = customer_id


def forget_customer() -> None:
    """This browser no longer points to anyone (the person was erased)."""
    for key in ("customer_id", PAYMENT_INFO_KEY, PURCHASES_KEY, LEAD_LEFT_KEY):
        session.pop(key, None)


def lead_left() -> None:
    """A lead form sent without htmx: the thank-you page it redirects to pushes generate_lead.

    A one-shot flag, so a reload, a bookmark or the back button never counts the lead twice.
    """
    session[LEAD_LEFT_KEY] = True


def push_lead_thanks() -> None:
    """On the thank-you page: generate_lead, only right after the form was sent."""
    if session.pop(LEAD_LEFT_KEY, False):
        push({"event": "generate_lead"})


def set_variant(test_group: str, variant: str) -> None:
    """This page shows an A/B variant: reported in journey_progression's page data."""
    request.environ[VARIANT_KEY] = (test_group, variant)


def push(event: dict[str, Any]) -> None:
    """Add a GA4 ecommerce event to this page's dataLayer (cleared first, as GA4 advises)."""
    events = request.environ.setdefault(ENVIRON_KEY, [])
    if "ecommerce" in event:
        events.append({"ecommerce": None})
    events.append(event)


def user_id(email: str) -> str:
    """A stable pseudonymous id: HMAC-SHA256 of the email under the app's secret."""
    return keyed_digest(normalize_email(email))


def _journey() -> dict[str, Any]:
    customer = lead = None
    customer_id = session.get("customer_id")
    test_group, variant = request.environ.get(VARIANT_KEY, (None, None))
    try:
        if customer_id is not None:
            customer = db.session.get(Customer, customer_id)
        if customer is not None:
            lead = customer.lead
    except SQLAlchemyError:
        # An error page rendered because the database is down must still render.
        db.session.rollback()
        customer = lead = None
    return {
        "event": "journey_progression",
        "user": {
            "id": user_id(customer.email) if customer else None,
            "segment": lead.business_type if lead else None,
            "stage": (customer.journey_stage if customer else None) or "landing",
        },
        "page": {
            "type": PAGE_TYPES.get(request.endpoint or "", "other"),
            "variant": variant,
            "test_group": test_group,
        },
    }


def init_analytics(app: Flask) -> None:
    """Every page gets its dataLayer events (journey first, then what the route pushed)."""

    @app.context_processor
    def datalayer_context() -> dict[str, Any]:
        if not request:
            return {}
        pushed = request.environ.get(ENVIRON_KEY, [])
        fragment = is_fragment_request()
        return {
            # A whole page pushes these from an inline script in its head. A fragment
            # (a form swap, a 2-second poll) has no head and needs no journey, so the
            # person is not looked up for it.
            "datalayer_events": [] if fragment else [_journey(), *pushed],
            # An htmx fragment carries the route's events as JSON data, which
            # static/js/app.js pushes after the swap (a script in a fragment would not
            # carry the page's CSP nonce).
            "datalayer_pushed": pushed,
            "datalayer_fragment": fragment,
        }
