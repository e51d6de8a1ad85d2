"""Kit and HubSpot delivery through the real outbox worker, against local HTTP doubles
(tests/integration/integrations.py)."""

from __future__ import annotations

from sqlalchemy import select

from app.outbox.models import OutboxMessage, OutboxStatus
from tests.integration.helpers import confirm_by_link
from tests.integration.integrations import (
    BUYER,
    HUBSPOT_TOKEN,
    KIT_KEY,
    SEQUENCE_ID,
    assert_never_sent,
    contact_payload,
    lead_of,
    paid_order,
    queue,
    settle,
)

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
    lead = lead_of(BUYER.email, confirmed=False)
    confirm_by_link(lead.id)
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
    # Kit hears of a buyer only while she consents to marketing email (checked at delivery).
    lead_of(BUYER.email)
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
