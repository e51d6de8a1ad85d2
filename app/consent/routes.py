"""The cookie banner's answers and the cookie preferences page (works without JavaScript)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request, url_for

from app.consent.cookie import CONSENT_COOKIE, cookie_value
from app.consent.current import current_consent
from app.consent.services import ACTIONS, proof_hash, record_choice
from app.consent.vendors import cookie_categories
from app.web.bad_bytes import has_control
from app.web.htmx import is_fragment_request
from app.web.i18n import localized_route
from app.web.rendering import redirect_after_post, render_page

bp = Blueprint("consent", __name__)


def _safe_next(value: str | None) -> str:
    """Back to the page the banner was on: a path on this site, never another host."""
    if value and not has_control(value):
        parts = urlsplit(value)
        if not parts.scheme and not parts.netloc and value.startswith("/") and "\\" not in value:
            return value
    return url_for("landing.index")


@localized_route(bp, "/cookies", methods=["GET"])
def preferences() -> Response:
    response = render_page("consent/preferences.html", next=_safe_next(request.args.get("next")))
    response.headers["Cache-Control"] = "no-store"
    return response


@localized_route(bp, "/cookies", methods=["POST"], endpoint="choose")
def choose() -> Response:
    action = request.form.get("action", "")
    if action not in ACTIONS:
        action = "custom"
    config = current_app.config
    previous = current_consent()
    consent = record_choice(
        action=action,
        analytics=request.form.get("analytics") == "1",
        marketing=request.form.get("marketing") == "1",
        policy_version=config["CONSENT_POLICY_VERSION"],
        consent_id=previous.consent_id,
        proof=proof_hash(
            config["SECRET_KEY"], request.remote_addr or "", request.headers.get("User-Agent", "")
        ),
    )
    target = _safe_next(request.form.get("next"))
    tags_allowed = consent.analytics or consent.marketing
    # Sent by the banner once the visitor has typed into a form of the page (a checkout
    # half filled in): loading the page again would wipe what she typed.
    keep_page = request.form.get("keep_page") == "1"
    if is_fragment_request() and (not tags_allowed or keep_page):
        # The banner swaps itself out and the page stays as it is. Tags allowed now
        # start on the next page: they need that page's own CSP nonce.
        response = render_page(
            "consent/_banner_done.html", consent=consent, from_next_page=tags_allowed
        )
    else:
        # With htmx too: tags need the page's own CSP nonce, so the page loads again.
        response = redirect_after_post(target)
    response.set_cookie(
        CONSENT_COOKIE,
        cookie_value(consent),
        max_age=config["CONSENT_MAX_AGE_DAYS"] * 86400,
        secure=config["APP_ENV"] == "production",
        httponly=True,
        samesite="Lax",
    )
    # Withdrawn (or never given): remove what that category's tags left in this browser
    # (the A/B cookie is analytics too). Every vendor of the table counts, enabled or not:
    # a vendor switched off since may have left its cookies behind.
    refused = {"analytics": not consent.analytics, "marketing": not consent.marketing}
    for name in request.cookies:
        if (refused["analytics"] and name == "cv_ab") or any(
            refused[category] for category in cookie_categories(name)
        ):
            response.delete_cookie(name)
    return response
