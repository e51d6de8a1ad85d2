"""/readyz for the platform's router, /metrics for the team's monitoring (token only)."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, current_app, jsonify, request

from app.monitoring.metrics import render_metrics
from app.monitoring.readiness import readiness
from app.web.limits import unlimited

bp = Blueprint("monitoring", __name__)


@bp.get("/readyz")
@unlimited
def readyz() -> tuple[Response, int]:
    body, ready = readiness()
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ready else 503


@bp.get("/metrics")
@unlimited
def metrics() -> Response:
    token = current_app.config.get("METRICS_TOKEN") or ""
    sent = request.headers.get("Authorization", "")
    # Not found, rather than forbidden: without the token the page does not exist.
    if not token or not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        abort(404)
    response = render_metrics()
    response.headers["Cache-Control"] = "no-store"
    return response
