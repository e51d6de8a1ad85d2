"""Landing page, policy pages, health check and the small files browsers ask for."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    send_from_directory,
    url_for,
)
from sqlalchemy import text

from app.analytics.experiments import (
    assign_headline,
    forget_assignment,
    headline_text,
    keep_assignment,
)
from app.catalog.services import current_event
from app.checkout.services import seats_left
from app.consent.routes import current_consent
from app.extensions import db
from app.leads.forms import LeadForm
from app.web.i18n import current_lang, localized_route
from app.web.limits import unlimited
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
    response = render_page(
        "landing/index.html",
        event=event,
        offers=offers,
        form=LeadForm(),
        headline=headline_text(variant, current_lang()),
    )
    if keep:
        keep_assignment(response, variant, current_app.config["APP_ENV"] == "production")
    elif not analytics_allowed:
        forget_assignment(response)
    # Each visitor may see another headline: shared caches must not keep one for all.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@localized_route(bp, "/privacy", methods=["GET"])
def privacy() -> Response:
    """The policy's first address, still in old emails and bookmarks: one policy, at /legal."""
    return redirect(url_for("legal.privacy"), code=301)


@localized_route(bp, "/terms", methods=["GET"])
def terms() -> Response:
    return render_page("pages/terms.html", event=current_event())


@bp.get("/healthz")
@unlimited
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy", nothing more to say
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.get("/robots.txt")
def robots() -> Response:
    body = (
        f"User-agent: *\nDisallow: /order/\nDisallow: /en/order/\nDisallow: /demo/\n"
        f"Sitemap: {current_app.config['BASE_URL']}{url_for('landing.sitemap')}\n"
    )
    return Response(body, mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    base = current_app.config["BASE_URL"]
    urls = [url_for("landing.index", lang=lang) for lang in ("pt_PT", "en")]
    items = "".join(f"<url><loc>{base}{path}</loc></url>" for path in urls)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'
    )
    return Response(body, mimetype="application/xml")


@bp.get("/favicon.ico")
def favicon() -> Response:
    return send_from_directory(
        current_app.static_folder, "img/favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
