"""Journey attribution: where a visit came from is kept for the visit (in the session
cookie) and attached to the lead or order it leaves; the team sees it, the person's
export holds it, erasure takes it away, Kit and the CRM hear the first touch."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.leads.models import Lead
from app.orders.models import Order
from app.outbox.models import OutboxMessage
from app.privacy.erasure import erase_person
from app.privacy.export import export_person
from tests.integration.helpers import (
    check_out,
    confirm_by_link,
    lead_data,
    only_order,
    pay_by_demo_card,
)
from tests.integration.staff_helpers import sign_in


def _lead() -> Lead:
    db.session.rollback()
    [lead] = db.session.scalars(select(Lead)).all()
    return lead


def test_a_campaign_visit_then_a_lead_shows_its_source_and_campaign_to_the_team(client):
    client.get("/?utm_source=Instagram&utm_medium=social&utm_campaign=Natal-2026")
    client.post("/leads", data=lead_data())
    lead = _lead()
    assert (lead.first_source, lead.first_campaign) == ("Instagram", "Natal-2026")
    first = lead.journey["first"]
    assert first["medium"] == "social" and first["landing"] == "/"
    assert [stage for stage, _at in lead.journey["stages"]] == ["landing", "lead"]
    sign_in(client, "owner")
    leads = client.get("/staff/leads").get_data(as_text=True)
    assert "Instagram · Natal-2026" in leads


def test_a_campaign_visit_then_a_purchase_shows_on_the_order_and_in_the_funnel(client):
    client.get("/en/?utm_source=newsletter&utm_campaign=black-friday")
    client.get("/checkout/bilhete-geral")
    check_out(client)
    order = only_order()
    assert (order.first_source, order.first_campaign) == ("newsletter", "black-friday")
    assert [stage for stage, _at in order.journey["stages"]] == ["landing", "checkout", "order"]
    sign_in(client, "owner")
    detail = client.get(f"/staff/orders/{order.id}").get_data(as_text=True)
    assert "data-source>newsletter<" in detail and "data-campaign>black-friday<" in detail
    dashboard = client.get("/staff/").get_data(as_text=True)
    assert "data-funnel-campaigns" in dashboard
    assert '<th scope="row">newsletter</th><td>black-friday</td>' in dashboard


def test_first_touch_is_kept_and_last_touch_follows_the_latest_campaign(client):
    client.get("/?utm_source=facebook&utm_campaign=teaser")
    client.get("/?utm_source=google&utm_medium=cpc&gclid=Cj0KCQ-secret-click-id")
    client.post("/leads", data=lead_data())
    lead = _lead()
    assert lead.first_source == "facebook"
    assert lead.journey["last"]["source"] == "google"
    # Only that an ad click id was there, never the id itself.
    assert lead.journey["last"]["click_id"] == "gclid"
    assert "secret-click-id" not in str(lead.journey)


def test_a_referring_site_names_the_source_and_a_plain_visit_is_direct(client):
    client.get("/", headers={"Referer": "https://l.instagram.com/?u=x"})
    client.post("/leads", data=lead_data())
    assert _lead().first_source == "l.instagram.com"

    other = client.application.test_client()
    other.get("/", headers={"Referer": "http://localhost/checkout/bilhete-geral"})
    other.post("/leads", data=lead_data(email="outra@example.pt"))
    db.session.rollback()
    plain = db.session.scalars(select(Lead).order_by(Lead.id.desc())).first()
    assert plain.first_source == "direct" and plain.first_campaign is None


def test_the_journey_is_in_the_export_and_leaves_with_the_person(client):
    client.get("/?utm_source=instagram&utm_campaign=natal")
    client.post("/leads", data=lead_data(email="joao@example.pt"))
    client.get("/checkout/bilhete-geral")
    pay_by_demo_card(client)
    order = only_order()
    exported = export_person(order.customer_id)
    assert exported["leads"][0]["journey"]["first"]["campaign"] == "natal"
    assert exported["orders"][0]["journey"]["first"]["source"] == "instagram"
    erase_person(order.customer_id, notify=False, reason="asked")
    db.session.rollback()
    kept = db.session.get(Order, order.id)
    assert kept.journey is None and kept.first_source is None and kept.first_campaign is None
    assert db.session.scalars(select(Lead)).all() == []


def test_kit_and_the_crm_hear_the_first_touch(client):
    client.get("/?utm_source=instagram&utm_campaign=natal")
    client.post("/leads", data=lead_data(marketing_consent="y"))
    lead = _lead()
    # Kit and the CRM hear of a lead once its owner confirms the email.
    confirm_by_link(lead.id)
    payloads = [
        message.payload
        for message in db.session.scalars(select(OutboxMessage)).all()
        if message.channel in ("kit", "crm")
    ]
    assert payloads, "the lead queued no Kit or CRM message"
    for payload in payloads:
        assert payload["first_source"] == "instagram"
        assert payload["first_campaign"] == "natal"
    assert lead.first_source == "instagram"
