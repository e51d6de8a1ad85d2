"""The landing page: the event, its offers, the lead form and the A/B headline."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from app.analytics.experiments import (
    assign_headline,
    forget_assignment,
    headline_text,
    keep_assignment,
)
from app.analytics.views import count_landing_view
from app.catalog.services import current_event
from app.consent.current import current_consent
from app.leads.forms import LeadForm
from app.media.pictures import landing_pictures
from app.orders.holds import seats_left
from app.web.i18n import current_lang, localized_route
from app.web.rendering import render_page

bp = Blueprint("landing", __name__)


@localized_route(bp, "/", methods=["GET"])
def index() -> Response:
    event = current_event()
    if event is None:
        abort(404)
    offers = [(offer, seats_left(offer)) for offer in event.offers if offer.active]
    analytics_allowed = current_consent().analytics
    variant, keep = assign_headline(event, analytics_allowed)
    count_landing_view(str(variant["id"]))
    response = render_page(
        "landing/index.html",
        event=event,
        offers=offers,
        form=LeadForm(),
        headline=headline_text(variant, current_lang()),
        pictures=landing_pictures(current_lang()),
    )
    if keep:
        keep_assignment(response, variant, current_app.config["APP_ENV"] == "production")
    elif not analytics_allowed:
        forget_assignment(response)
    # Each visitor may see another headline: shared caches must not keep one for all.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
