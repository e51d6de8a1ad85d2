"""Localized error pages; a visitor never sees a stack trace."""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from flask import Flask, Response, request
from flask_babel import format_timedelta
from flask_wtf.csrf import CSRFError
from prometheus_client import Counter
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.web.htmx import is_fragment_request, reswap, retarget
from app.web.limits import seconds_until_allowed
from app.web.rendering import render_page

log = logging.getLogger(__name__)

HANDLED = (400, 403, 404, 405, 413, 422, 429, 500)
# How long a visitor is asked to wait when the database is busy or away.
BUSY_RETRY_SECONDS = 5
RATE_LIMITED = Counter("shop_rate_limit_refusals", "Requests refused by a rate limit.")


def _render_error(code: int, kind: str) -> Response:
    response = render_page("errors/error.html", "content", status=code, code=code, kind=kind)
    if is_fragment_request():
        # Show the error where the page's content is, not inside a small form block.
        reswap(retarget(response, "#main"), "innerHTML")
    return response


def _render_too_many_requests() -> Response:
    """429 with the real wait in Retry-After and in words, keeping what was typed."""
    RATE_LIMITED.inc()
    seconds = seconds_until_allowed()
    # Past a minute, say whole minutes rounded up: "in 1 minute" for 61 s sends her
    # back a second too early, into another refusal.
    shown = seconds if seconds <= 60 else math.ceil(seconds / 60) * 60
    context = {
        "code": 429,
        "kind": "429",
        "retry_after": seconds,
        "retry_when": format_timedelta(timedelta(seconds=shown), add_direction=True, threshold=1),
        "sent_form": request.method == "POST",
        "in_place": False,
    }
    if is_fragment_request():
        if request.method == "POST":
            # A notice just above the form: the form, and what she typed in it, stays.
            context["in_place"] = True
            response = render_page("errors/error.html", "rate_limit_notice", 429, **context)
            reswap(retarget(response, "closest form"), "beforebegin")
        else:
            # Polling (the order page): leave the page as it is; the next poll after the
            # wait picks up where it left off.
            response = render_page("errors/error.html", "rate_limit_notice", 429, **context)
            reswap(response, "none")
    else:
        response = render_page("errors/error.html", status=429, **context)
    response.headers["Retry-After"] = str(seconds)
    return response


def _render_busy() -> Response:
    """503 while the database is locked or unreachable: try again shortly, nothing lost.

    With htmx the notice goes above the form, which keeps what was typed; without, the
    page says to go back, where the browser keeps it.
    """
    context = {
        "code": 503,
        "kind": "503",
        "retry_after": BUSY_RETRY_SECONDS,
        "sent_form": request.method == "POST",
        "in_place": False,
    }
    if is_fragment_request() and request.method == "POST":
        context["in_place"] = True
        response = render_page("errors/error.html", "busy_notice", 503, **context)
        reswap(retarget(response, "closest form"), "beforebegin")
    elif is_fragment_request():
        # A poll: leave the page as it is, the next poll tries again.
        response = render_page("errors/error.html", "busy_notice", 503, **context)
        reswap(response, "none")
    else:
        response = render_page("errors/error.html", status=503, **context)
    response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


def init_errors(app: Flask) -> None:
    """Register one localized page for each error a visitor can meet."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return _render_error(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | HTTPException:
        code = error.code or 500
        if code not in HANDLED:
            return error
        if code == 429:
            return _render_too_many_requests()
        return _render_error(code, str(code))

    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError) -> Response:
        # Locked (SQLite), refusing connections or gone (PostgreSQL): a moment's trouble.
        db.session.rollback()
        log.warning(
            "database busy or unreachable on %s %s: %s",
            request.method,
            request.path,
            type(error.orig).__name__ if error.orig else error,
        )
        return _render_busy()

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return http_error(error)  # type: ignore[return-value]
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render_error(500, "500")

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> Response:
        return _render_error(500, "500")
