"""The policies and terms: privacy and cookies from the event data file, and the terms of sale."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, url_for

from app.catalog.services import current_event
from app.consent.tags import tag_vendors
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
    return policy_for(section, current_lang(), current_app.config, tag_vendors())


@localized_route(bp, "/legal/privacy", methods=["GET"])
def privacy() -> Response:
    return render_page("legal/privacy.html", policy=_policy())


@localized_route(bp, "/legal/cookies", methods=["GET"])
def cookies() -> Response:
    return render_page("legal/cookies.html", policy=_policy())


@localized_route(bp, "/privacy", methods=["GET"])
def old_privacy() -> Response:
    """The policy's first address, still in old emails and bookmarks: one policy, at /legal."""
    return redirect(url_for("legal.privacy"), code=301)


@localized_route(bp, "/terms", methods=["GET"])
def terms() -> Response:
    return render_page("legal/terms.html", event=current_event())
