"""The person the privacy-centre tests are about, and what she does: leave every kind of
record the shop keeps, ask for the emailed link and open the centre with it."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from app.audit.log import Actor, record
from app.customers.models import Customer
from app.extensions import db as _db
from app.leads.models import Lead
from app.orders.models import Order
from app.payments.models import WebhookEvent
from app.waitlist.claims import offer_seats
from app.waitlist.models import WaitlistEntry
from tests.integration.helpers import (
    deliver_until_settled,
    lead_data,
    lead_link_token,
    pay_by_demo_card,
    read_eml,
)

PERSON = SimpleNamespace(
    name="Ana-Sofia D'Ávila",
    email="ana.sofia@example.pt",
    phone="912 345 678",
    phone_e164="+351912345678",
    nif="256431779",
)
KIT_KEY = "kit-key"
HUBSPOT_TOKEN = "hubspot-token"


def body(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def access_link(shop: SimpleNamespace) -> str:
    """The path of the newest privacy-centre link emailed."""
    deliver_until_settled()
    found = [m for m in read_eml(shop.mail) if "/my-data/access/" in body(m)]
    assert found, "no privacy link was emailed"
    match = re.search(
        r"http://shop\.test(/\S*/my-data/access/\S+|/my-data/access/\S+)", body(found[-1])
    )
    assert match
    return match.group(1)


def make_person(client, shop) -> Customer:
    """A person with every kind of record the shop keeps: a cookie choice, a confirmed lead
    with marketing consent, a paid order with its history and a payment notification,
    what was sent about them to email, Kit and the CRM, and an action of the team's."""
    client.post("/cookies", data={"action": "accept_all"})
    lead = client.post(
        "/leads", data=lead_data(name=PERSON.name, email=PERSON.email, marketing_consent="y")
    )
    assert lead.status_code == 303, lead.text
    lead_row = _db.session.scalar(select(Lead))
    confirmed = client.post(f"/leads/confirm/{lead_link_token(lead_row.id)}")
    assert confirmed.status_code == 303
    pay_by_demo_card(
        client,
        cardholder=PERSON.name,
        name=PERSON.name,
        email=PERSON.email.upper(),
        phone=PERSON.phone,
        nif=PERSON.nif,
        payment_method="card",
    )
    # She waits for a VIP seat too, and one was offered to her.
    prefix = "waitlist-bilhete-vip-"
    joined = client.post(
        "/waitlist/bilhete-vip", data={f"{prefix}name": PERSON.name, f"{prefix}email": PERSON.email}
    )
    assert joined.status_code == 303, joined.text
    offer_seats(list(_db.session.scalars(select(WaitlistEntry))), timedelta(hours=24))
    order = _db.session.scalar(select(Order))
    _db.session.add(
        WebhookEvent(
            provider="stripe",
            event_id=f"evt_{uuid.uuid4().hex}",
            type="checkout.session.completed",
            order_id=order.id,
            result="paid",
        )
    )
    # The team resent her confirmation from the back office.
    record(
        Actor(staff_id=None, label="dona@cafecomvendas.pt", role="owner"),
        "order.resend_confirmation",
        order_id=order.id,
        customer_id=order.customer_id,
    )
    _db.session.commit()
    deliver_until_settled()
    customer = _db.session.scalar(select(Customer))
    assert customer.consent_id, "the cookie choice was not linked to the person"
    return customer


def open_centre(client, shop, email_address: str = PERSON.email) -> None:
    sent = client.post("/my-data", data={"email": email_address})
    assert sent.status_code == 303
    link = access_link(shop)
    opened = client.post(link)
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith("/my-data/me")
