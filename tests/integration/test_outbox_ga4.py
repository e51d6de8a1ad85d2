"""GA4 delivery through the real outbox worker, and the `flask ga4 debug` check, against a
local HTTP double (tests/integration/integrations.py)."""

from __future__ import annotations

from app.outbox.commands import ga4 as ga4_cli
from app.outbox.models import OutboxStatus
from tests.integration.integrations import (
    BUYER,
    GA4_ID,
    GA4_SECRET,
    GA_CLIENT_ID,
    assert_never_sent,
    paid_order,
    queue,
    settle,
)


def test_ga4_purchase_carries_the_order_and_nothing_about_the_person(db, configure, services):
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    (hit,) = services.ga4.seen
    assert hit.method == "POST"
    assert hit.path == "/mp/collect"
    assert hit.args == {"measurement_id": GA4_ID, "api_secret": GA4_SECRET}
    assert hit.idempotency_key == message.idempotency_key
    assert hit.json == {
        "client_id": GA_CLIENT_ID,
        "events": [
            {
                "name": "purchase",
                "params": {
                    "transaction_id": str(order.id),
                    "value": 147.0,
                    "tax": 27.49,
                    "currency": "EUR",
                    "payment_type": "card",
                    "items": [
                        {
                            "item_id": "bilhete-geral",
                            "item_name": "Bilhete Geral",
                            "price": 147.0,
                            "quantity": 1,
                        }
                    ],
                },
            }
        ],
    }
    assert_never_sent(
        services.ga4.seen,
        BUYER.email,
        "Maria",
        "Conceição",
        BUYER.phone,
        "912345678",
        BUYER.nif,
    )


def test_ga4_refund_reports_the_refunded_amount(db, configure, services):
    order = paid_order(db)
    payload = {"order_id": str(order.id), "refunded_cents": 14700}
    message_id = queue(db, "ga4", "refund", payload)

    assert settle(db, message_id).status == OutboxStatus.DELIVERED
    (hit,) = services.ga4.seen
    (event,) = hit.json["events"]
    assert event["name"] == "refund"
    assert event["params"]["transaction_id"] == str(order.id)
    assert event["params"]["value"] == 147.0
    assert event["params"]["currency"] == "EUR"
    assert event["params"]["items"][0]["item_id"] == "bilhete-geral"
    assert_never_sent(services.ga4.seen, BUYER.email, "Maria", BUYER.phone)


def test_ga4_skips_an_order_without_analytics_consent(db, configure, services):
    order = paid_order(db, ga_client_id=None)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})

    message = settle(db, message_id)

    assert message.status == OutboxStatus.SKIPPED
    assert "client id" in message.last_error
    assert services.ga4.seen == []


def test_ga4_without_credentials_skips_and_sends_nothing(db, configure, services):
    configure(GA4_API_SECRET="")
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})

    assert settle(db, message_id).status == OutboxStatus.SKIPPED
    assert services.ga4.seen == []


def test_ga4_debug_prints_what_the_validation_server_finds(app, db, configure, services):
    services.ga4.validation_messages = [
        {
            "fieldPath": "events.params.items",
            "description": "Item at index [0] is missing a required field: [item_category].",
            "validationCode": "VALUE_REQUIRED",
        }
    ]

    result = app.test_cli_runner().invoke(ga4_cli, ["debug"])

    assert result.exit_code == 1, result.output
    assert "VALUE_REQUIRED events.params.items: Item at index [0]" in result.output
    (hit,) = services.ga4.seen
    assert hit.path == "/debug/mp/collect"
    assert hit.args == {"measurement_id": GA4_ID, "api_secret": GA4_SECRET}
    assert hit.json["events"][0]["name"] == "purchase"
    assert hit.json["validation_behavior"] == "ENFORCE_RECOMMENDATIONS"


def test_ga4_debug_says_so_when_the_payload_is_valid(app, db, configure, services):
    result = app.test_cli_runner().invoke(ga4_cli, ["debug"])

    assert result.exit_code == 0, result.output
    assert "no validation messages: the payload is valid" in result.output
    # Nothing reaches the real collection endpoint.
    assert services.ga4.calls("POST", "/mp/collect") == []


def test_ga4_debug_refuses_to_run_unconfigured(app, db, configure, services):
    configure(GA4_MEASUREMENT_ID="")

    result = app.test_cli_runner().invoke(ga4_cli, ["debug"])

    assert result.exit_code != 0
    assert "GA4 is not configured" in result.output
    assert services.ga4.seen == []
