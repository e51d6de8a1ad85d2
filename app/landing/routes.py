"""The landing page: the event, its offers, the lead form and the A/B headline."""

from __future__ import annotations

from typing import Any

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
from app.orders.on_sale import kept_page_key, on_sale
from app.web.i18n import current_lang, localized_route
from app.web.page_cache import BACK_SLOT, kept_pages, serve_kept, slot

bp = Blueprint("landing", __name__)


def _render(variant: dict[str, Any], lang: str, **extra: Any) -> Response:
    event = current_event()
    if event is None:
        abort(404)
    return landing_page(event, variant, lang, **extra)


@localized_route(bp, "/", methods=["GET"])
def index() -> Response:
    state = on_sale()
    if not state.found:
        abort(404)
    analytics_allowed = current_consent().analytics
    variant, keep = assign_headline(state.variants, analytics_allowed)
    count_landing_view(str(variant["id"]))
    note_visit("landing")
    lang = current_lang()
    key = kept_page_key("landing", state, lang, str(variant["id"]))
    if key is None:
        response = _render(variant, lang)
    else:
        response = serve_kept(
            kept_pages("landing"),
            key,
            lambda: _render(variant, lang, consent_next=slot(BACK_SLOT)),
        )
    if keep:
        keep_assignment(response, variant, current_app.config["APP_ENV"] == "production")
    elif not analytics_allowed:
        forget_assignment(response)
    # Each visitor may see another headline: shared caches must not keep one for all.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
