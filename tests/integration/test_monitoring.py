"""What tells the team the shop is well: /readyz, /metrics, alerts, error reports."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import brotli
import pytest
import sentry_sdk
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from app.monitoring.alerts import raise_alerts
from app.monitoring.error_reports import init_error_reports
from app.outbox.models import OutboxMessage
from app.outbox.services import enqueue
from app.outbox.worker import run_once
from app.timeutil import utcnow
from tests.integration.helpers import (
    messages,
    only_order,
    outbox_settings,
    pay_by_demo_card,
    read_eml,
)

# -- /readyz -------------------------------------------------------------------------------


def test_readyz_says_ready_with_a_migrated_database_and_a_moving_outbox(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json() == {
        "status": "ok",
        "database": "ok",
        "redis": "off",
        "outbox_lag_seconds": 0,
    }


def test_readyz_is_503_while_the_outbox_lags(client, db):
    enqueue("email", "lead_confirmation", {"lead_id": 1}, "late-1")
    db.session.commit()
    late = db.session.query(OutboxMessage).one()
    late.next_attempt_at = utcnow() - timedelta(minutes=11)
    db.session.commit()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["status"] == "not ready"
    assert answer.get_json()["outbox_lag_seconds"] >= 660


def test_readyz_is_503_when_redis_is_configured_but_away(make_app, db):
    with make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0") as shop:
        answer = shop.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["redis"] == "error"


# -- /metrics ------------------------------------------------------------------------------


def test_metrics_need_the_token_and_then_tell_the_shops_state(make_app, db):
    with make_app(METRICS_TOKEN="s3cret-token") as shop:
        client = shop.test_client()
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        client.post("/checkout/bilhete-geral", data={})  # a refused form: still a request
        answer = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain")
    text = answer.get_data(as_text=True)
    assert 'shop_request_seconds_count{endpoint="checkout.submit",method="POST"}' in text
    assert 'shop_seats_left{offer="bilhete-geral"}' in text
    assert "shop_outbox_oldest_waiting_seconds 0.0" in text
    assert "shop_webhook_failures_total" in text or "# HELP shop_webhook_failures" in text


def test_metrics_are_not_there_without_a_token_configured(client):
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


# -- alerts --------------------------------------------------------------------------------


def test_an_order_to_review_sends_one_alert_email_an_hour(app, client, db, tmp_path):
    pay_by_demo_card(client)
    order = only_order()
    order.review_reason = "amount_mismatch"
    db.session.commit()
    with outbox_settings(app, ALERT_EMAIL="equipa@cafecomvendas.pt", MAIL_DIR=str(tmp_path)):
        app.config["ALERT_EMAIL"] = "equipa@cafecomvendas.pt"
        assert raise_alerts() == ["order_to_review"]
        assert raise_alerts() == ["order_to_review"]  # seen again within the hour
        alerts = [m for m in messages("email") if m.kind == "alert"]
        assert len(alerts) == 1
        run_once()
        [mail] = [m for m in read_eml(tmp_path) if m["To"] == "equipa@cafecomvendas.pt"]
    assert "An order needs a person to look at it" in mail["Subject"]
    body = mail.get_content()
    assert "1 order(s) flagged" in body
    assert "joao" not in body.lower()


def test_a_dead_message_and_a_lagging_outbox_are_alerts(app, db):
    enqueue("crm", "contact", {"customer_id": None}, "gone-1")
    db.session.commit()
    message = db.session.query(OutboxMessage).one()
    message.status, message.finished_at = "dead", utcnow()
    enqueue("email", "lead_confirmation", {"lead_id": 1}, "late-2")
    db.session.commit()
    late = db.session.query(OutboxMessage).filter_by(idempotency_key="late-2").one()
    late.next_attempt_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    assert set(raise_alerts()) == {"dead_message", "outbox_lag"}
    # Without ALERT_EMAIL they are logged, not mailed.
    assert [m for m in messages("email") if m.kind == "alert"] == []


def test_webhooks_failing_again_and_again_are_an_alert(stripe_client, stripe):
    for _ in range(5):
        answer = stripe_client.post(
            "/webhooks/stripe", data=b"{}", headers={"Stripe-Signature": "t=1,v1=forged"}
        )
        assert answer.status_code == 400
    assert "webhook_failures" in raise_alerts()


# -- error reports -------------------------------------------------------------------------


@pytest.fixture
def sentry_server() -> HTTPServer:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    received: list[bytes] = []

    def keep(request: Request) -> Response:
        data = request.get_data()
        encoding = request.headers.get("Content-Encoding")
        if encoding == "gzip":
            data = gzip.decompress(data)
        elif encoding == "br":
            data = brotli.decompress(data)
        received.append(data)
        return Response("{}", content_type="application/json")

    server.expect_request("/api/1/envelope/").respond_with_handler(keep)
    server.received = received  # type: ignore[attr-defined]
    yield server
    server.clear()
    server.stop()


def test_an_email_in_an_exception_never_reaches_sentry(make_app, db, sentry_server):
    dsn = f"http://publickey@127.0.0.1:{sentry_server.port}/1"
    try:
        with make_app(SENTRY_DSN=dsn, PROPAGATE_EXCEPTIONS=False, TESTING=False) as shop:
            init_error_reports(shop)

            @shop.get("/boom")
            def boom():
                raise RuntimeError("could not charge ana.reis@example.pt on +351912345678")

            answer = shop.test_client().get(
                "/boom?email=ana.reis@example.pt", headers={"X-Request-ID": "boom-1"}
            )
            assert answer.status_code == 500
            sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init(dsn=None)
    sent = b"".join(sentry_server.received).decode()
    assert "RuntimeError" in sent
    assert "could not charge" in sent
    assert "ana.reis@example.pt" not in sent
    assert "912345678" not in sent
    events = [json.loads(line) for line in sent.splitlines() if '"exception"' in line]
    assert events and events[0]["tags"]["request_id"] == "boom-1"
