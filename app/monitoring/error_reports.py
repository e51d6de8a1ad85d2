"""Error reports to Sentry (optional: SENTRY_DSN), with personal data scrubbed first.

Whatever leaves for Sentry goes through `scrub`: exception messages, log messages and
breadcrumbs are masked like the logs are, and request bodies, cookies, headers and
query strings are not sent at all. Each report carries the request id.
"""

from __future__ import annotations

from typing import Any

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration

from app.personal_data.masking import mask_personal_data
from app.web.request_ids import current_request_id


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, list):
        return [_mask(item) for item in value]
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    return value


def scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """The event as it may leave: no request body, cookies or headers; text masked."""
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {key: request[key] for key in ("method", "url") if key in request}
        if "url" in event["request"]:
            event["request"]["url"] = event["request"]["url"].split("?", 1)[0]
    event.pop("user", None)
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})["request_id"] = request_id
    # Local variables of every frame may hold anything: masked like the rest.
    return _mask(event)


def init_error_reports(app: Flask) -> None:
    """Send unhandled errors to Sentry when SENTRY_DSN is set; nothing otherwise."""
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config["APP_ENV"],
        integrations=[FlaskIntegration()],
        include_local_variables=False,
        before_send=scrub,
        before_send_transaction=scrub,
        traces_sample_rate=0.0,
    )
