"""What machines ask the shop for: the health check, robots.txt, the sitemap, the favicon."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, send_from_directory, url_for
from sqlalchemy import text

from app.extensions import db
from app.web.limits import unlimited

bp = Blueprint("site", __name__)


@bp.get("/healthz")
@unlimited
def healthz() -> tuple[dict[str, str], int]:
    """Cheap liveness: the database answers, and holds the shop's schema (a database with
    no tables answers SELECT 1 too, while every page would fail)."""
    try:
        db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    except Exception:  # any database failure means "not healthy", nothing more to say
        db.session.rollback()
        return {"status": "error", "database": "unreachable or without the schema"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.get("/robots.txt")
def robots() -> Response:
    body = (
        f"User-agent: *\nDisallow: /order/\nDisallow: /en/order/\nDisallow: /demo/\n"
        f"Sitemap: {current_app.config['BASE_URL']}{url_for('site.sitemap')}\n"
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
