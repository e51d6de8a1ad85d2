"""The landing page: the event, its offers, the lead form and the A/B headline."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from app.analytics.experiments import (
    assign_headline,
    forget_assignment,
    keep_assignment,
)
from app.analytics.journeys import note_visit
from app.analytics.views import count_landing_view
from app.catalog.services import current_event
from app.consent.current import current_consent
from app.landing.page import landing_page
from app.web.i18n import current_lang, localized_route

bp = Blueprint("landing", __name__)


@localized_route(bp, "/", methods=["GET"])
def index() -> Response:
    event = current_event()
    if event is None:
        abort(404)
    analytics_allowed = current_consent().analytics
    variant, keep = assign_headline(event, analytics_allowed)
    count_landing_view(str(variant["id"]))
    note_visit("landing")
    response = landing_page(event, variant, current_lang())
    if keep:
        keep_assignment(response, variant, current_app.config["APP_ENV"] == "production")
    elif not analytics_allowed:
        forget_assignment(response)
    # Each visitor may see another headline: shared caches must not keep one for all.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
