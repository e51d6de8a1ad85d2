"""Localized error pages; a visitor never sees a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.web.rendering import is_htmx_fragment_request, render_page

log = logging.getLogger(__name__)

HANDLED = (400, 403, 404, 405, 413, 422, 429, 500)


def _render_error(code: int, kind: str, retry_after: str | None = None) -> Response:
    response = render_page("errors/error.html", "content", status=code, code=code, kind=kind)
    if is_htmx_fragment_request():
        # Show the error where the page's content is, not inside a small form block.
        response.headers["HX-Retarget"] = "#main"
        response.headers["HX-Reswap"] = "innerHTML"
    if retry_after:
        response.headers["Retry-After"] = retry_after
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
        retry_after = None
        if code == 429:
            retry_after = _retry_after(error)
        return _render_error(code, str(code), retry_after)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return http_error(error)  # type: ignore[return-value]
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render_error(500, "500")

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError) -> Response:
        return _render_error(500, "500")


def _retry_after(error: HTTPException) -> str:
    """Seconds until the rate limit that refused this request lets it through again."""
    limit = getattr(error, "limit", None)
    seconds = 60
    if limit is not None:
        try:
            seconds = int(limit.limit.get_expiry())
        except Exception:  # the limiter's internals vary; a minute is a safe answer
            seconds = 60
    return str(seconds)
