"""Stripe's own endpoint: the webhook, verified on the raw body before anything is read."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, jsonify, request

from app.extensions import csrf
from app.payments.stripe.events import HANDLERS, order_id_for
from app.payments.stripe.provider import verify_event
from app.payments.webhooks import handle_event
from app.web.limits import unlimited
from app.web.webhook_failures import record_failure

bp = Blueprint("stripe", __name__)
log = logging.getLogger(__name__)

# Stripe's events are larger than our forms; MAX_CONTENT_LENGTH stays small elsewhere.
WEBHOOK_MAX_BYTES = 1024 * 1024


@bp.post("/webhooks/stripe")
@csrf.exempt
# Stripe retries what we refuse, and its deliveries come in bursts from a few addresses.
@unlimited
def webhook() -> tuple[Response, int]:
    request.max_content_length = WEBHOOK_MAX_BYTES
    try:
        event = verify_event(
            request.get_data(), dict(request.headers), current_app.config["STRIPE_WEBHOOK_SECRET"]
        )
    except ValueError as exc:
        log.warning("refused a Stripe webhook: %s", exc)
        record_failure("stripe", "signature")
        return jsonify(error="invalid signature"), 400
    try:
        result = handle_event("stripe", event, HANDLERS, order_id_for)
    except Exception:
        # Stripe retries what fails; counted so the team hears when it keeps failing.
        record_failure("stripe", "processing")
        raise
    return jsonify(received=True, result=result), 200
