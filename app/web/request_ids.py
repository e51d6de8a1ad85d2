"""Every request has an id: the platform's `X-Request-ID` when it sends a sane one, a new
one otherwise. It is answered back in the response, written on every log line of the
request, and carried into the outbox messages the request queues, so one buyer's trouble
can be followed from the router's log to the email that did not arrive."""

from __future__ import annotations

import logging
import random
import re
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
ENVIRON_KEY = "shop.request_id"
# What we accept from outside: short, and nothing a log or a header could be broken with.
ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
log = logging.getLogger("app.requests")


def current_request_id() -> str | None:
    """This request's id, or None outside a request (the worker, the clock, a command)."""
    if has_request_context():
        return getattr(g, "request_id", None)
    return None


class RequestIdFilter(logging.Filter):
    """Puts the request id (when there is one) on every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


def _new_request_id() -> str:
    """128 random bits in hex. An id only has to be unique enough to find one request's
    lines, not secret: Python's ordinary generator (reseeded in each forked worker), not
    the system's, which costs a system call, and the interpreter lock handed to another
    thread, on every request."""
    return f"{random.getrandbits(128):032x}"


class StampRequestIds:
    """WSGI middleware, outermost: every answer carries the id, static files included."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if ACCEPTED.match(incoming) else _new_request_id()
        environ[ENVIRON_KEY] = request_id

        def stamped(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if not any(name.lower() == HEADER.lower() for name, _ in headers):
                headers = [*headers, (HEADER, request_id)]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, stamped)


def stamp_request_ids(app: Flask) -> None:
    """Wrap the whole app (WhiteNoise's static files too): call it after the other wrappers."""
    app.wsgi_app = StampRequestIds(app.wsgi_app)  # type: ignore[method-assign]


def init_request_ids(app: Flask) -> None:
    """Give each request its id, answer it back, and log one line per request.

    The line is INFO with JSON logs (production, where gunicorn's access log is off) and
    DEBUG otherwise, where gunicorn's access log already has one per request.
    """
    level = logging.INFO if app.config.get("LOG_FORMAT") == "json" else logging.DEBUG

    @app.before_request
    def take_request_id() -> None:
        g.request_id = request.environ.get(ENVIRON_KEY) or _new_request_id()
        g.request_started = time.perf_counter()

    @app.after_request
    def answer_request_id(response: Response) -> Response:
        request_id = getattr(g, "request_id", None)
        if request_id:
            response.headers[HEADER] = request_id
            if not log.isEnabledFor(level):
                return response
            started = getattr(g, "request_started", None)
            duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
            log.log(
                level,
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
        return response
