"""The dataLayer, built on the server from what the shop knows, never guessed in the browser.

Every page pushes `journey_progression`; pages where a GA4 ecommerce step happens push
that event too (`push`). Nothing personal goes in: the user id is an HMAC of the email.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import Flask, current_app, request, session
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app.catalog.models import Offer
from app.checkout.models import Customer, Order
from app.checkout.services import lock_order
from app.extensions import db
from app.leads.models import Lead
from app.money import cents_to_decimal
from app.timeutil import utcnow
from app.web.rendering import is_htmx_fragment_request

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


def remember_customer(customer_id: int) -> None:
    """After a lead or a checkout, later pages know who this is (by id, in the signed session)."""
    session["customer_id"] = customer_id


def forget_customer() -> None:
    """This browser no longer points to anyone (the person was erased)."""
    for key in ("customer_id", PAYMENT_INFO_KEY, LEAD_LEFT_KEY):
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
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _euros(cents: int) -> float:
    return float(cents_to_decimal(cents))


def item(offer: Offer) -> dict[str, Any]:
    return {
        "item_id": offer.slug,
        "item_name": offer.localized_name("pt_PT"),
        "price": _euros(offer.price_cents),
        "quantity": 1,
    }


def push_offer_view(offer: Offer) -> None:
    """The checkout page: the offer seen, and the checkout begun."""
    for name in ("view_item", "begin_checkout"):
        push(
            {
                "event": name,
                "ecommerce": {
                    "currency": "EUR",
                    "value": _euros(offer.price_cents),
                    "items": [item(offer)],
                },
            }
        )


def push_order_progress(order: Order) -> None:
    """The order page: payment info once per order and browser, the purchase once per order."""
    ecommerce = {
        "currency": "EUR",
        "value": _euros(order.amount_cents),
        "items": [item(order.offer)],
    }

    def payment_info_once() -> None:
        seen = session.get(PAYMENT_INFO_KEY, [])
        if str(order.id) not in seen:
            session[PAYMENT_INFO_KEY] = [*seen[-4:], str(order.id)]
            push(
                {
                    "event": "add_payment_info",
                    "ecommerce": {**ecommerce, "payment_type": order.payment_method},
                }
            )

    if order.status == "awaiting_payment":
        payment_info_once()
    elif order.status == "paid" and order.purchase_pushed_at is None:
        locked = lock_order(order.id)
        first = locked is not None and locked.purchase_pushed_at is None
        if first:
            locked.purchase_pushed_at = utcnow()
        db.session.commit()
        if first:
            # A card paid at Stripe (or on the demo card page) is often paid before the
            # order page is first shown: the funnel still gets its payment step.
            payment_info_once()
            push(
                {
                    "event": "purchase",
                    "ecommerce": {
                        **ecommerce,
                        "transaction_id": str(order.id),
                        "tax": _euros(order.vat_cents),
                    },
                }
            )


def _journey() -> dict[str, Any]:
    customer = lead = None
    customer_id = session.get("customer_id")
    test_group, variant = request.environ.get(VARIANT_KEY, (None, None))
    try:
        if customer_id is not None:
            customer = db.session.get(Customer, customer_id)
        if customer is not None:
            lead = db.session.scalar(select(Lead).where(Lead.customer_id == customer.id))
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
        return {
            # A whole page pushes these from an inline script in its head.
            "datalayer_events": [_journey(), *pushed],
            # An htmx fragment has no head: it carries the route's events as JSON data,
            # which static/js/app.js pushes after the swap (a script in a fragment
            # would not carry the page's CSP nonce).
            "datalayer_pushed": pushed,
            "datalayer_fragment": is_htmx_fragment_request(),
        }
