"""The privacy and cookie policies: Portuguese at /legal/…, English at /en/legal/…."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from app.catalog.services import current_event
from app.legal.services import Policy, policy_for
from app.web.i18n import current_lang, localized_route
from app.web.rendering import render_page

bp = Blueprint("legal", __name__)


def _policy() -> Policy:
    event = current_event()
    section = event.content.get("privacy") if event is not None else None
    if not section:
        # The event was loaded before its file had a privacy section: `catalog sync`.
        abort(404)
    return policy_for(section, current_lang(), current_app.config)


@localized_route(bp, "/legal/privacy", methods=["GET"])
def privacy() -> Response:
    return render_page("legal/privacy.html", policy=_policy())


@localized_route(bp, "/legal/cookies", methods=["GET"])
def cookies() -> Response:
    return render_page("legal/cookies.html", policy=_policy())
