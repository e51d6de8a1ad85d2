"""A request for a Host the shop does not serve gets a localized 400, never a crash.

Flask checks the Host header against TRUSTED_HOSTS (app/config.py) before it binds the
request's URLs, so the error page for that refusal has no URL adapter to build its links
with; this handler gives it one on BASE_URL's own host.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask.globals import request_ctx
from werkzeug.exceptions import SecurityError

from app.web.rendering import render_page

log = logging.getLogger(__name__)


def init_trusted_hosts(app: Flask) -> None:
    """Answer an untrusted Host header with the localized 400 page."""

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError) -> Response:
        if request_ctx.url_adapter is None:
            base = urlsplit(app.config["BASE_URL"])
            request_ctx.url_adapter = app.url_map.bind(
                base.netloc or "localhost",
                script_name=request.root_path or None,
                url_scheme=base.scheme or "http",
            )
        # The header is the visitor's text: logged shortened and quoted, never trusted.
        log.warning("refused a request for host %r", request.headers.get("Host", "")[:100])
        return render_page("errors/error.html", status=400, code=400, kind="400")
