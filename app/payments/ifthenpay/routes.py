"""ifthenpay's own endpoint: the payment callback.

ifthenpay calls it with GET (its design, not ours): it is a server's notice of money
received, checked with the anti-phishing key before anything is read, never a page a
person opens. POST is taken too, in case the gateway is set to send it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from app.extensions import csrf
from app.payments.ifthenpay.callbacks import (
    HANDLERS,
    NotFromIfthenpay,
    order_id_for,
    verify_callback,
)
from app.payments.ifthenpay.provider import CALLBACK_PATH
from app.payments.webhooks import handle_event
from app.web.limits import unlimited
from app.web.webhook_failures import record_failure

bp = Blueprint("ifthenpay", __name__)
log = logging.getLogger(__name__)


def _plain(text: str, status: int) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(CALLBACK_PATH, methods=["GET", "POST"])
@csrf.exempt
# The gateway calls from a few addresses, in bursts at the end of a busy day.
@unlimited
def callback() -> Response:
    args = request.args if request.method == "GET" else request.values
    try:
        event = verify_callback(args, current_app.config["IFTHENPAY_ANTI_PHISHING_KEY"])
    except NotFromIfthenpay as exc:
        log.warning("refused an ifthenpay callback: %s", exc)
        record_failure("ifthenpay", "signature")
        return _plain("forbidden", 403)
    except ValueError as exc:
        log.warning("refused an ifthenpay callback with our key: %s", exc)
        record_failure("ifthenpay", "malformed")
        return _plain("bad callback", 400)
    try:
        result = handle_event("ifthenpay", event, HANDLERS, order_id_for)
    except Exception:
        # Counted, so the team hears when callbacks keep failing; the reconciliation
        # reads the payment at the gateway meanwhile.
        record_failure("ifthenpay", "processing")
        raise
    return _plain(f"ok: {result}", 200)
