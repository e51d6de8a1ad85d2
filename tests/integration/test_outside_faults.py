"""Drill: the services outside the shop fail. The mail server is down, then back; Stripe
hangs longer than the shop waits. (Redis down: test_rate_limits.py; Stripe answering
5xx: test_stripe_payments.py; Kit, HubSpot and GA4 failing: test_outbox_retries.py.)
"""

from __future__ import annotations

import time

from sqlalchemy import update

from app.extensions import db
from app.outbox.models import OutboxMessage
from app.outbox.worker import run_once
from tests.integration.helpers import (
    check_out_like_a_browser,
    fresh,
    messages,
    only_order,
    outbox_settings,
    pay_by_demo_card,
)
from tests.smtp_double import SmtpDouble


def _due_now() -> None:
    """Skip the backoff wait: the next delivery try is due at once."""
    db.session.execute(update(OutboxMessage).values(next_attempt_at=OutboxMessage.created_at))
    db.session.commit()


def test_mail_server_down_then_back_delivers_the_confirmation_once(app, client, db):
    server = SmtpDouble()  # its port is chosen; nothing listens on it yet
    with outbox_settings(app, SMTP_URL=server.url, MAIL_DIR=""):
        pay_by_demo_card(client)
        run_once()
        [message] = messages("email")
        assert message.status == "pending"
        assert message.attempts == 1
        assert (
            "refused" in (message.last_error or "").lower()
            or "connect" in (message.last_error or "").lower()
        ), message.last_error

        server.start()  # the mail server is back
        try:
            _due_now()
            run_once()
        finally:
            server.stop()
    [message] = messages("email")
    assert message.status == "delivered"
    assert len(server.received) == 1


def test_stripe_hanging_longer_than_the_shop_waits_is_a_clear_retryable_failure(
    db, make_app, stripe_app_settings, stripe
):
    stripe.hang_seconds = 3
    db.session.commit()  # nothing of ours held open while the other app writes
    with make_app(
        **stripe_app_settings, STRIPE_TIMEOUT_SECONDS=1, STRIPE_MAX_NETWORK_RETRIES=0
    ) as shop:
        browser = shop.test_client()
        started = time.monotonic()
        answer = check_out_like_a_browser(browser, "card")
        waited = time.monotonic() - started
        db.session.rollback()
        order = only_order()
        assert answer.status_code == 303
        assert answer.headers["Location"] == f"/order/{order.public_token}"
        assert fresh(order).failure_reason == "provider_unavailable"
        stripe.hang_seconds = 0
        page = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Não conseguimos contactar o serviço de pagamento" in page
    # The buyer waited for the shop's timeout, not for Stripe.
    assert waited < 3, waited
