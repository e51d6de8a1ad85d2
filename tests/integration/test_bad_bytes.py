"""Bad bytes are refused at the door (400), never a 500 with a traceback, on SQLite and
PostgreSQL alike (PostgreSQL cannot store a NUL at all)."""

from __future__ import annotations

import json

import pytest

from tests.integration.helpers import checkout_data, lead_data, send_webhook
from tests.stripe_double import WEBHOOK_SECRET, sign


@pytest.mark.parametrize(
    "path",
    [
        "/order/abc%00def",
        "/attendee/x%00",
        "/checkout/bilhete%00geral",
        "/leads/confirm/tok%00en",
        "/my-data/access/a%01b",
        "/?utm_source=%00",
    ],
)
def test_control_characters_in_urls_are_a_400(client, path):
    answer = client.get(path)
    assert answer.status_code == 400
    assert "Traceback" not in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/checkout/bilhete-geral", checkout_data(checkout_key="key\x00nul")),
        ("/checkout/bilhete-geral", checkout_data(name="Ana\x07Reis")),
        ("/leads", lead_data(email="ana@exemplo.pt\x00")),
    ],
)
def test_control_characters_in_forms_are_a_400(client, db, url, form):
    answer = client.post(url, data=form)
    assert answer.status_code == 400


def test_a_next_address_with_a_line_break_goes_home_instead(client, db):
    # A line break is allowed in a field, but never in an address to go back to.
    answer = client.post(
        "/cookies", data={"action": "reject_all", "next": "/leads\r\nSet-Cookie: x=1"}
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/"
    assert "x=1" not in answer.headers.get("Set-Cookie", "")
    fine = client.post("/cookies", data={"action": "reject_all", "next": "/leads"})
    assert fine.headers["Location"].endswith("/leads")


def _signed(client, body: bytes):
    return client.post(
        "/webhooks/stripe",
        data=body,
        headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET)},
        content_type="application/json",
    )


@pytest.mark.parametrize(
    "event",
    [
        {"id": 42, "type": "payment_intent.succeeded", "data": {"object": {}}},
        {"id": "evt_" + "x" * 300, "type": "charge.refunded", "data": {"object": {}}},
        {"id": "evt_nul\u0000", "type": "charge.refunded", "data": {"object": {}}},
        {"id": "evt_1", "type": "charge.refunded", "data": {"object": "not an object"}},
        {"id": "evt_2", "type": ["list"], "data": {"object": {}}},
        # Found by the fuzz drill on PostgreSQL: a NUL in the type reached the ledger.
        {"id": "evt_3", "type": "\u0000", "data": {"object": {}}},
    ],
)
def test_signed_but_malformed_webhooks_are_refused_not_500(stripe_client, event):
    answer = _signed(stripe_client, json.dumps(event).encode())
    assert answer.status_code == 400


@pytest.mark.parametrize(
    "obj",
    [
        {"id": "pi_1", "metadata": "not a mapping"},
        {"id": "pi_2", "metadata": {"order_id": 12345, "attempt": {"x": 1}}},
        {"id": "pi_3", "payment_intent": "pi_" + "y" * 400},
        {"id": "pi_4", "payment_intent": {"id": ["nested"]}, "client_reference_id": 7},
    ],
)
def test_signed_events_with_odd_fields_are_ledgered_as_about_no_order(stripe_client, stripe, obj):
    answer = send_webhook(stripe_client, stripe.event("payment_intent.succeeded", obj))
    assert answer.status_code == 200
    assert answer.get_json()["result"] == "no order"
