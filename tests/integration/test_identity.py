"""Drill: a stranger who knows someone's email cannot rewrite that person.

The attack as it was found: the lead and checkout forms are open to anyone, and a
submission with a buyer's email renamed her on her order and attendee pages, replaced
her phone, and switched her marketing consent on (or off) without her. Here the same
submissions are made, and nothing of hers moves until she follows a link sent to her.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.customers.services import find_customer_by_email
from app.extensions import db as _db
from app.leads.models import Lead, LeadChange
from app.orders.models import Order
from app.outbox.models import OutboxMessage
from tests.integration.helpers import (
    check_out,
    confirm_by_link,
    lead_data,
    lead_link_token,
    pay_by_demo_card,
    token_from,
)

HER = {"email": "maria.silva@example.pt", "name": "Maria Silva", "phone": "912 345 678"}
STRANGER = {"email": "Maria.Silva@example.pt", "name": "Impostora Falsa", "phone": "961 234 567"}


def _queued(kind_channel: tuple[str, str]) -> int:
    channel, kind = kind_channel
    return len(
        _db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.channel == channel, OutboxMessage.kind == kind
            )
        ).all()
    )


def _her_lead() -> Lead:
    _db.session.expire_all()
    return _db.session.scalars(select(Lead)).one()


def test_a_strangers_checkout_leaves_her_order_pages_and_profile_alone(client, db):
    her_order_url = pay_by_demo_card(client, cardholder=HER["name"], **HER)
    her_order = db.session.scalar(
        select(Order).where(Order.public_token == token_from(her_order_url))
    )
    attendee_url = f"/attendee/{her_order.attendee_token}"

    # The stranger checks out with her email (in other capitals), another name and phone.
    strangers_url = check_out(client, **STRANGER, payment_method="mb_way")

    db.session.expire_all()
    for page in (client.get(her_order_url).text, client.get(attendee_url).text):
        assert "Maria Silva" in page
        assert "Impostora" not in page
    profile = find_customer_by_email(HER["email"])
    assert (profile.name, profile.phone) == ("Maria Silva", "+351912345678")
    # The stranger's own order shows what the stranger typed, and asks MB WAY on that phone.
    strangers = db.session.scalar(
        select(Order).where(Order.public_token == token_from(strangers_url))
    )
    assert (strangers.buyer_name, strangers.buyer_phone) == ("Impostora Falsa", "+351961234567")
    assert (her_order.buyer_name, her_order.buyer_phone) == ("Maria Silva", "+351912345678")


def test_a_strangers_lead_does_not_switch_her_consent_on_or_rename_her(client, db):
    client.post("/leads", data=lead_data(email=HER["email"], name=HER["name"]))
    confirm_by_link(_her_lead().id)
    assert _her_lead().marketing_consent is False
    her_link = lead_link_token(_her_lead().id)

    response = client.post(
        "/leads",
        data=lead_data(
            email=STRANGER["email"],
            name=STRANGER["name"],
            business_type="food",
            marketing_consent="y",
        ),
    )
    assert response.status_code == 303

    lead = _her_lead()
    assert lead.marketing_consent is False
    assert lead.business_type == "services"
    assert lead.customer.name == "Maria Silva"
    assert _queued(("kit", "subscriber")) == 0
    # Her old link confirms her own submission, never the stranger's later one.
    assert client.post(f"/leads/confirm/{her_link}").status_code == 303
    lead = _her_lead()
    assert (lead.marketing_consent, lead.customer.name) == (False, "Maria Silva")
    # The stranger's submission waits, unconfirmed, for a link only her mailbox gets.
    waiting = db.session.scalars(select(LeadChange).where(LeadChange.applied_at.is_(None))).all()
    assert [change.name for change in waiting] == ["Impostora Falsa"]


def test_a_strangers_lead_does_not_withdraw_her_consent(client, db):
    client.post("/leads", data=lead_data(email=HER["email"], marketing_consent="y"))
    confirm_by_link(_her_lead().id)
    assert _her_lead().marketing_consent is True

    client.post("/leads", data=lead_data(email=STRANGER["email"]))

    assert _her_lead().marketing_consent is True
    assert _queued(("kit", "unsubscribe")) == 0


def test_she_changes_her_details_and_consent_through_the_link_sent_to_her(client, db):
    client.post("/leads", data=lead_data(email=HER["email"], name=HER["name"]))
    confirm_by_link(_her_lead().id)

    client.post(
        "/en/leads",
        data=lead_data(email=HER["email"], name="Maria S. Costa", marketing_consent="y"),
    )
    link = f"/en/leads/confirm/{lead_link_token(_her_lead().id)}"
    page = client.get(link)
    # The page shows what will be saved before anything is.
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    assert "Maria S. Costa" in page.text
    assert re.search(r"data-marketing-consent>\s*Yes", page.text)
    assert _her_lead().customer.name == "Maria Silva"

    assert client.post(link).status_code == 303
    lead = _her_lead()
    assert (lead.customer.name, lead.marketing_consent, lead.locale) == (
        "Maria S. Costa",
        True,
        "en",
    )
    assert lead.marketing_consent_at is not None
    assert _queued(("kit", "subscriber")) == 1
    # Confirming the same link again changes nothing and sends nothing more.
    client.post(link)
    assert _queued(("kit", "subscriber")) == 1

    # Unticking the box and confirming withdraws consent, and Kit is told to stop.
    client.post("/leads", data=lead_data(email=HER["email"], name="Maria S. Costa"))
    client.post(f"/leads/confirm/{lead_link_token(_her_lead().id)}")
    lead = _her_lead()
    assert (lead.marketing_consent, lead.marketing_consent_at) == (False, None)
    assert _queued(("kit", "unsubscribe")) == 1


def test_sending_the_same_details_again_sends_no_new_link(client, db):
    client.post("/leads", data=lead_data(email=HER["email"], name=HER["name"]))
    confirm_by_link(_her_lead().id)
    before = _queued(("email", "lead_confirmation"))

    client.post("/leads", data=lead_data(email=HER["email"], name=HER["name"]))

    assert _queued(("email", "lead_confirmation")) == before
