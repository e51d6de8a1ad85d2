"""Kit, HubSpot and GA4 delivery through the real outbox worker, against local HTTP doubles.

Rows are made by the shop's own services; messages are queued with `enqueue` in the
shapes the services queue them, and the worker (`run_once`) delivers them to Kit,
HubSpot and GA4 played by real HTTP servers (tests/http_doubles.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from app.leads.models import Lead
from app.leads.services import LeadDetails, confirm_lead, save_lead
from app.orders.models import Order
from app.orders.placing import BuyerDetails
from app.outbox.adapters import build_adapters
from app.outbox.commands import ga4 as ga4_cli
from app.outbox.models import OutboxMessage, OutboxStatus
from app.outbox.services import enqueue
from app.outbox.worker import run_once
from tests.http_doubles import Ga4Double, HubSpotDouble, KitDouble, Seen
from tests.integration.helpers import paid_ticket

KIT_KEY = "kit-test-key"
HUBSPOT_TOKEN = "pat-eu1-test-token"
GA4_ID = "G-TEST12345"
GA4_SECRET = "ga4-test-secret"
SEQUENCE_ID = "42"
GA_CLIENT_ID = "1187654321.1764300000"

BUYER = SimpleNamespace(
    name="Maria João Conceição",
    email="maria.joao@example.pt",
    phone="+351912345678",
    nif="245328850",
)

# Every setting the tests change; each is put back after the test.
TOUCHED = [
    "KIT_API_KEY",
    "KIT_API_BASE",
    "KIT_BUYER_SEQUENCE_ID",
    "HUBSPOT_TOKEN",
    "HUBSPOT_API_BASE",
    "GA4_MEASUREMENT_ID",
    "GA4_API_SECRET",
    "GA4_ENDPOINT",
    "MAIL_DIR",
    "SMTP_URL",
    "OUTBOX_HTTP_TIMEOUT",
    "OUTBOX_BACKOFF_SECONDS",
    "OUTBOX_MAX_ATTEMPTS",
    "OUTBOX_LEASE_SECONDS",
]


# -- fixtures -------------------------------------------------------------------------


@pytest.fixture
def services(outside_server: HTTPServer) -> Iterator[SimpleNamespace]:
    doubles = SimpleNamespace(
        kit=KitDouble(outside_server, KIT_KEY),
        hubspot=HubSpotDouble(outside_server, HUBSPOT_TOKEN),
        ga4=Ga4Double(outside_server),
    )
    yield doubles
    errors = list(outside_server.handler_errors)
    outside_server.clear()
    assert not errors, f"a double failed while answering: {errors}"


@pytest.fixture
def configure(app, db, services, tmp_path) -> Iterator[Callable[..., None]]:
    """Point the app's integrations at the doubles; `configure(KEY=value)` changes one.

    The worker builds its adapters from the app's settings once and keeps them in
    app.extensions; each call rebuilds them, as a restarted worker would.
    """
    saved = {key: app.config.get(key) for key in TOUCHED}
    saved_adapters = app.extensions.pop("outbox_adapters", None)
    base = {
        "KIT_API_KEY": KIT_KEY,
        "KIT_API_BASE": services.kit.base_url,
        "KIT_BUYER_SEQUENCE_ID": SEQUENCE_ID,
        "HUBSPOT_TOKEN": HUBSPOT_TOKEN,
        "HUBSPOT_API_BASE": services.hubspot.base_url,
        "GA4_MEASUREMENT_ID": GA4_ID,
        "GA4_API_SECRET": GA4_SECRET,
        "GA4_ENDPOINT": services.ga4.base_url,
        "MAIL_DIR": str(tmp_path / "mail"),
        "SMTP_URL": "",
        "OUTBOX_HTTP_TIMEOUT": 5.0,
        # Retries due almost at once, so a test sees several attempts quickly.
        "OUTBOX_BACKOFF_SECONDS": 0.01,
        "OUTBOX_MAX_ATTEMPTS": 8,
        "OUTBOX_LEASE_SECONDS": 60.0,
    }

    def apply(**overrides: Any) -> None:
        app.config.update({**base, **overrides})
        app.extensions["outbox_adapters"] = build_adapters(app.config)

    apply()
    try:
        yield apply
    finally:
        app.config.update(saved)
        if saved_adapters is None:
            app.extensions.pop("outbox_adapters", None)
        else:
            app.extensions["outbox_adapters"] = saved_adapters


# -- helpers --------------------------------------------------------------------------


def paid_order(db, *, ga_client_id: str | None = GA_CLIENT_ID, email: str = BUYER.email) -> Order:
    """A General ticket bought and paid by the test buyer, through the checkout services."""
    buyer = BuyerDetails(BUYER.name, email, BUYER.phone, BUYER.nif, "pt_PT")
    return paid_ticket(buyer, ga_client_id=ga_client_id)


def lead_of(email: str, *, consent: bool = True, name: str = BUYER.name) -> Lead:
    lead, _ = save_lead(
        LeadDetails(
            name=name,
            email=email,
            business_type="services",
            business_stage="growing",
            marketing_consent=consent,
            locale="pt_PT",
        )
    )
    return lead


def queue(db, channel: str, kind: str, payload: dict[str, Any]) -> int:
    message = enqueue(channel, kind, payload, f"test:{channel}:{kind}:{uuid.uuid4().hex}")
    db.session.commit()
    return message.id


def contact_payload(order_or_customer_id: int, stage: str) -> dict[str, Any]:
    return {
        "customer_id": order_or_customer_id,
        "stage": stage,
        "business_type": "services",
        "business_stage": "growing",
    }


def settle(db, message_id: int, limit: float = 8.0) -> OutboxMessage:
    """Run the worker until the message is no longer pending; return it as stored."""
    deadline = time.monotonic() + limit
    while True:
        run_once()
        db.session.expire_all()
        message = db.session.get(OutboxMessage, message_id)
        if message.status != OutboxStatus.PENDING:
            return message
        assert time.monotonic() < deadline, f"still pending: {message.last_error}"
        time.sleep(0.02)


def everything_sent(requests: list[Seen]) -> str:
    """All a double received (paths, query strings, headers, bodies) as one text."""
    return "\n".join(f"{s.path} {s.args} {s.headers} {s.body}" for s in requests)


def assert_never_sent(requests: list[Seen], *secrets: str) -> None:
    sent = everything_sent(requests)
    for secret in secrets:
        assert secret not in sent, f"{secret!r} was sent"


# -- Kit ------------------------------------------------------------------------------


def test_kit_gets_the_buyer_with_tags_and_the_buyers_sequence(db, configure, services):
    lead_of(BUYER.email)
    order = paid_order(db)
    payload = contact_payload(order.customer_id, "buyer")
    message_id = queue(db, "kit", "subscriber", payload)

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    kit = services.kit
    (upsert,) = kit.calls("POST", "/v4/subscribers")
    assert upsert.json == {
        "email_address": BUYER.email,
        "first_name": "Maria",
        "state": "active",
    }
    assert upsert.headers["Content-Type"] == "application/json"
    for seen in kit.seen:
        assert seen.headers["X-Kit-Api-Key"] == KIT_KEY
        assert seen.idempotency_key == message.idempotency_key
    assert kit.tags_of(BUYER.email) == {"negocio:services", "fase:growing", "jornada:comprador"}
    assert kit.sequences == {SEQUENCE_ID: {BUYER.email}}
    (joined,) = kit.calls("POST", f"/v4/sequences/{SEQUENCE_ID}/subscribers")
    assert joined.json == {"email_address": BUYER.email}
    # Kit gets a first name and the email, nothing more about the person.
    assert_never_sent(kit.seen, "Conceição", BUYER.phone, "912345678", BUYER.nif)


def test_kit_tags_are_asked_for_once_and_reused_for_the_next_subscriber(db, configure, services):
    first = lead_of("ana@example.pt", name="Ana Silva")
    second = lead_of("rui@example.pt", name="Rui Costa")
    for lead in (first, second):
        message_id = queue(db, "kit", "subscriber", contact_payload(lead.customer_id, "lead"))
        assert settle(db, message_id).status == OutboxStatus.DELIVERED

    kit = services.kit
    asked = sorted(seen.json["name"] for seen in kit.calls("POST", "/v4/tags"))
    assert asked == ["fase:growing", "jornada:lead", "negocio:services"]
    assert kit.tags_of("ana@example.pt") == {"negocio:services", "fase:growing", "jornada:lead"}
    assert kit.tags_of("rui@example.pt") == kit.tags_of("ana@example.pt")
    # A lead is not a buyer: no buyers' sequence.
    assert kit.sequences == {}


def test_kit_asks_again_for_a_tag_deleted_since_it_was_cached(db, configure, services):
    first = lead_of("ana@example.pt", name="Ana Silva")
    second = lead_of("rui@example.pt", name="Rui Costa")
    message_id = queue(db, "kit", "subscriber", contact_payload(first.customer_id, "lead"))
    assert settle(db, message_id).status == OutboxStatus.DELIVERED
    # Marketing deletes a tag in Kit; the worker still holds its old id.
    services.kit.tags.pop("jornada:lead")

    message_id = queue(db, "kit", "subscriber", contact_payload(second.customer_id, "lead"))

    assert settle(db, message_id).status == OutboxStatus.DELIVERED
    assert "jornada:lead" in services.kit.tags_of("rui@example.pt")


def test_confirmed_lead_reaches_kit_and_the_crm_through_the_shops_own_services(
    db, configure, services
):
    lead = lead_of(BUYER.email)
    confirm_lead(lead.id)
    mine = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.channel.in_(["kit", "crm"]))
    ).all()
    assert sorted(m.channel for m in mine) == ["crm", "kit"]

    for message in mine:
        assert settle(db, message.id).status == OutboxStatus.DELIVERED

    assert services.kit.tags_of(BUYER.email) == {
        "negocio:services",
        "fase:growing",
        "jornada:lead",
    }
    contact = services.hubspot.contacts[BUYER.email]["properties"]
    assert contact["lifecyclestage"] == "lead"


def test_kit_skips_a_lead_who_withdrew_consent_before_delivery(db, configure, services):
    lead = lead_of(BUYER.email)
    message_id = queue(db, "kit", "subscriber", contact_payload(lead.customer_id, "lead"))
    lead_of(BUYER.email, consent=False)  # the same person, box unticked this time

    message = settle(db, message_id)

    assert message.status == OutboxStatus.SKIPPED
    assert "consent" in message.last_error
    assert services.kit.seen == []


def test_kit_without_an_api_key_skips_its_messages_and_sends_nothing(db, configure, services):
    configure(KIT_API_KEY="")
    lead = lead_of(BUYER.email)
    message_id = queue(db, "kit", "subscriber", contact_payload(lead.customer_id, "lead"))

    message = settle(db, message_id)

    assert message.status == OutboxStatus.SKIPPED
    assert message.attempts == 1
    assert services.kit.seen == []


def test_kit_refusing_the_subscriber_is_final_after_one_attempt(db, configure, services):
    services.kit.fail("POST", "/v4/subscribers", status=422, times=99)
    lead = lead_of(BUYER.email)
    message_id = queue(db, "kit", "subscriber", contact_payload(lead.customer_id, "lead"))

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 1
    assert message.last_error.startswith("HTTP 422")
    assert len(services.kit.calls("POST", "/v4/subscribers")) == 1


def test_kit_rate_limit_halfway_is_retried_without_doubling_anything(db, configure, services):
    services.kit.fail(
        "POST", r"/v4/tags/\d+/subscribers/\d+", status=429, headers={"Retry-After": "0"}
    )
    order = paid_order(db)
    message_id = queue(db, "kit", "subscriber", contact_payload(order.customer_id, "buyer"))

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 2
    kit = services.kit
    assert list(kit.subscribers) == [BUYER.email]
    assert len(kit.taggings) == 3
    assert kit.sequences == {SEQUENCE_ID: {BUYER.email}}
    assert {s.idempotency_key for s in kit.seen} == {message.idempotency_key}


# -- HubSpot ----------------------------------------------------------------------------


def test_hubspot_upserts_a_confirmed_lead_as_a_contact(db, configure, services):
    lead = lead_of("ana@example.pt", name="Ana-Sofia D'Ávila Costa")
    message_id = queue(db, "crm", "contact", contact_payload(lead.customer_id, "lead"))

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    (upsert,) = services.hubspot.seen
    assert upsert.method == "POST"
    assert upsert.path == "/crm/v3/objects/contacts/batch/upsert"
    assert upsert.headers["Authorization"] == f"Bearer {HUBSPOT_TOKEN}"
    assert upsert.idempotency_key == message.idempotency_key
    assert upsert.json == {
        "inputs": [
            {
                "idProperty": "email",
                "id": "ana@example.pt",
                "properties": {
                    "email": "ana@example.pt",
                    "firstname": "Ana-Sofia",
                    "lastname": "D'Ávila Costa",
                    "lifecyclestage": "lead",
                },
            }
        ]
    }


def test_hubspot_never_moves_a_buyer_back_to_lead(db, configure, services):
    lead = lead_of(BUYER.email)
    paid_order(db)
    # The lead's confirmation arrives after the purchase was made.
    message_id = queue(db, "crm", "contact", contact_payload(lead.customer_id, "lead"))

    assert settle(db, message_id).status == OutboxStatus.DELIVERED
    contact = services.hubspot.contacts[BUYER.email]["properties"]
    assert contact["lifecyclestage"] == "customer"


def test_hubspot_purchase_makes_a_won_deal_tied_to_the_customer(db, configure, services):
    order = paid_order(db)
    payload = {**contact_payload(order.customer_id, "buyer"), "order_id": str(order.id)}
    message_id = queue(db, "crm", "purchase", payload)

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    hubspot = services.hubspot
    contact = hubspot.contacts[BUYER.email]
    assert contact["properties"]["lifecyclestage"] == "customer"
    assert contact["properties"]["firstname"] == "Maria"
    assert contact["properties"]["lastname"] == "João Conceição"
    (upsert,) = hubspot.calls("POST", "/crm/v3/objects/deals/batch/upsert")
    (deal_input,) = upsert.json["inputs"]
    assert deal_input["idProperty"] == "cv_order_id"
    assert deal_input["id"] == str(order.id)
    properties = deal_input["properties"]
    closedate = properties.pop("closedate")
    assert properties == {
        "dealname": f"Café com Vendas — Bilhete Geral — {order.id.hex[:8]}",
        "amount": "147.00",
        "dealstage": "closedwon",
        "pipeline": "default",
    }
    assert closedate.startswith(order.paid_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert closedate.endswith("Z")
    deal = hubspot.deals[str(order.id)]
    assert hubspot.associations == {(deal["id"], contact["id"])}
    for seen in hubspot.seen:
        assert seen.headers["Authorization"] == f"Bearer {HUBSPOT_TOKEN}"
        assert seen.idempotency_key == message.idempotency_key
    assert_never_sent(hubspot.seen, BUYER.phone, "912345678", BUYER.nif)


def test_hubspot_purchase_retried_after_a_failed_association_keeps_one_deal(
    db, configure, services
):
    services.hubspot.fail("PUT", r"/crm/v4/objects/deals/.*", status=503, times=2)
    order = paid_order(db)
    payload = {**contact_payload(order.customer_id, "buyer"), "order_id": str(order.id)}
    message_id = queue(db, "crm", "purchase", payload)

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 3
    hubspot = services.hubspot
    assert len(hubspot.calls("POST", "/crm/v3/objects/deals/batch/upsert")) == 3
    assert list(hubspot.deals) == [str(order.id)]
    assert list(hubspot.contacts) == [BUYER.email]
    assert len(hubspot.associations) == 1
    assert sum(hubspot.successes("PUT", r"/crm/v4/.*").values()) == 1


def test_hubspot_without_a_token_skips_its_messages_and_sends_nothing(db, configure, services):
    configure(HUBSPOT_TOKEN="")
    order = paid_order(db)
    payload = {**contact_payload(order.customer_id, "buyer"), "order_id": str(order.id)}
    message_id = queue(db, "crm", "purchase", payload)

    assert settle(db, message_id).status == OutboxStatus.SKIPPED
    assert services.hubspot.seen == []


# -- GA4 ------------------------------------------------------------------------------


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


# -- faults: retried until delivered exactly once, or given up --------------------------


def _one_success_with_one_key(ga4: Ga4Double, message: OutboxMessage, attempts: int) -> None:
    hits = ga4.calls("POST", "/mp/collect")
    assert len(hits) == attempts
    assert {hit.idempotency_key for hit in hits} == {message.idempotency_key}
    assert ga4.successes("POST", "/mp/collect") == {message.idempotency_key: 1}


@dataclass(frozen=True)
class Outcome:
    """What became of a message GA4 refused twice before taking it."""

    name: str
    status: OutboxStatus
    attempts: int


RETRIED = Outcome("retried", OutboxStatus.DELIVERED, attempts=3)
PERMANENT = Outcome("dead", OutboxStatus.DEAD, attempts=1)
# Tried again: a credential someone can fix (401, 403), a timeout, a conflict, a lock,
# too early, too many requests, the receiver's own trouble (5xx). Dead at once: any other
# 4xx says the request itself is wrong, and sending it again cannot help.
ANSWERS = {
    400: PERMANENT,
    401: RETRIED,
    403: RETRIED,
    404: PERMANENT,
    408: RETRIED,
    409: RETRIED,
    410: PERMANENT,
    422: PERMANENT,
    423: RETRIED,
    425: RETRIED,
    429: RETRIED,
    500: RETRIED,
    502: RETRIED,
    503: RETRIED,
    504: RETRIED,
}


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        pytest.param(answer, outcome, id=f"{answer}-{outcome.name}")
        for answer, outcome in ANSWERS.items()
    ],
)
def test_each_answer_is_retried_until_one_delivery_or_dead_after_one_attempt(
    db, configure, services, answer, outcome
):
    services.ga4.fail("POST", "/mp/collect", status=answer, times=2)
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})

    message = settle(db, message_id)

    assert message.status == outcome.status
    assert message.attempts == outcome.attempts
    assert len(services.ga4.seen) == outcome.attempts
    if outcome is RETRIED:
        assert message.last_error is None
        _one_success_with_one_key(services.ga4, message, attempts=3)
    else:
        assert message.last_error.startswith(f"HTTP {answer}")
        assert services.ga4.successes("POST", "/mp/collect") == {}


def test_rate_limits_are_retried_no_sooner_than_retry_after(db, configure, services):
    services.ga4.fail("POST", "/mp/collect", status=429, times=2, headers={"Retry-After": "1"})
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})
    started = time.monotonic()

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 3
    _one_success_with_one_key(services.ga4, message, attempts=3)
    # The backoff alone (0.01 s) would have retried at once; GA4 asked for a second.
    assert time.monotonic() - started >= 2.0


def test_an_endpoint_slower_than_the_timeout_is_retried_until_one_delivery(db, configure, services):
    configure(OUTBOX_HTTP_TIMEOUT=0.5)
    services.ga4.hang("POST", "/mp/collect", seconds=1.2, times=2)
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 3
    # The held-back requests are answered (504) after the shop gave up on them: wait
    # for that, so they are counted as the failures they were.
    time.sleep(0.8)
    _one_success_with_one_key(services.ga4, message, attempts=3)


def test_temporary_failures_give_up_after_the_last_attempt(app, db, configure, services):
    configure(OUTBOX_MAX_ATTEMPTS=3)
    services.ga4.fail("POST", "/mp/collect", status=503, times=99)
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 3
    assert message.last_error.startswith("gave up after 3 attempts: HTTP 503")
    assert len(services.ga4.seen) == 3
    assert services.ga4.successes("POST", "/mp/collect") == {}
