"""The privacy centre from a person's side: the emailed link, the export and the erasure.

Everything goes through the shop's pages (test client), its real database and the real
outbox worker; Kit and HubSpot are played by local HTTP servers, email lands in .eml
files as it does on a fresh machine.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import time_machine
from sqlalchemy import inspect, select, text

from app.audit.models import AuditEntry
from app.customers.models import Customer
from app.extensions import db as _db
from app.invoicing.models import InvoiceDocument
from app.leads.models import Lead, LeadChange
from app.orders.models import Order
from app.outbox.models import OutboxMessage, OutboxStatus
from app.payments.models import WebhookEvent
from app.personal_data.encryption import blind_index
from app.privacy.models import PrivacyRequest
from app.timeutil import utcnow
from app.waitlist.models import SeatOffer, WaitlistEntry
from tests.integration.helpers import (
    check_out,
    deliver_until_settled,
    lead_data,
    read_eml,
    token_from,
)
from tests.integration.privacy_centre import (
    PERSON,
    access_link,
    body,
    make_person,
    open_centre,
)

# -- the shop -------------------------------------------------------------------------------


# -- the link ---------------------------------------------------------------------------


def test_asking_for_a_link_answers_the_same_for_a_known_and_an_unknown_email(client, shop):
    make_person(client, shop)
    before = _db.session.query(OutboxMessage).count()

    known = client.post("/my-data", data={"email": PERSON.email})
    unknown = client.post("/my-data", data={"email": "nobody@example.pt"})

    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]

    def page(location: str) -> str:
        # The only difference allowed: the per-request CSP nonce.
        return re.sub(r'nonce="[^"]+"', "", client.get(location).text)

    assert page(known.headers["Location"]) == page(unknown.headers["Location"])
    # Only the known address gets an email.
    _db.session.rollback()
    queued = _db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(queued) == before + 1
    assert queued[-1].kind == "privacy_link"


def test_a_bad_email_is_refused_with_the_typed_value_kept(client, shop):
    response = client.post("/en/my-data", data={"email": "ana@"})
    assert response.status_code == 422
    assert 'value="ana@"' in response.text
    assert "does not look right" in response.text


def test_the_emailed_link_opens_the_centre_once(client, shop):
    make_person(client, shop)
    client.post("/my-data", data={"email": PERSON.email.upper()})
    link = access_link(shop)
    message = [m for m in read_eml(shop.mail) if "/my-data/access/" in body(m)][-1]
    assert message["To"].addresses[0].addr_spec == PERSON.email
    assert "30" in body(message)

    # A mail scanner opening the link uses nothing up.
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200
    opened = client.post(link)
    assert opened.status_code == 303
    page = client.get("/my-data/me")
    assert page.status_code == 200
    assert PERSON.email in page.text
    assert "no-store" in page.headers["Cache-Control"]
    # The order's day as the page's language writes it, on Lisbon's calendar.
    orders = page.text.split("data-privacy-orders", 1)[1].split("</ul>", 1)[0]
    assert re.search(r"· \d{1,2} de [a-zç]+ de 20\d\d ·", orders), orders

    # Single use: neither the page nor the button work again, even in another browser.
    other = client.application.test_client()
    assert other.get(link).status_code == 410
    assert other.post(link).status_code == 410
    assert other.get("/my-data/me").status_code == 303


def test_a_forged_or_altered_link_does_not_work(client, shop):
    make_person(client, shop)
    client.post("/my-data", data={"email": PERSON.email})
    link = access_link(shop)
    assert client.post(link[:-2] + "xx").status_code == 400
    assert client.post("/my-data/access/1.abc.def").status_code == 400


def test_the_link_and_the_visit_last_30_minutes(client, shop):
    make_person(client, shop)
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        client.post("/my-data", data={"email": PERSON.email})
        link = access_link(shop)
        clock.shift(timedelta(minutes=31))
        assert client.post(link).status_code == 410

    with time_machine.travel(start + timedelta(hours=1), tick=False) as clock:
        client.post("/my-data", data={"email": PERSON.email})
        link = access_link(shop)
        assert client.post(link).status_code == 303
        clock.shift(timedelta(minutes=29))
        assert client.get("/my-data/me").status_code == 200
        clock.shift(timedelta(minutes=2))
        ended = client.get("/my-data/me")
        assert ended.status_code == 303
        assert "closed=1" in ended.headers["Location"]


def test_the_centre_speaks_the_language_it_was_asked_in(client, shop):
    make_person(client, shop)
    client.post("/en/my-data", data={"email": PERSON.email})
    link = access_link(shop)
    assert link.startswith("/en/my-data/access/")
    message = [m for m in read_eml(shop.mail) if "/my-data/access/" in body(m)][-1]
    assert message["Content-Language"] == "en"
    assert "privacy centre" in message["Subject"]


# -- export -----------------------------------------------------------------------------

# Every table, and how the export shows its rows about a person. A new table must be
# added here (or to NOT_ABOUT_PEOPLE with the reason), or this test fails.
NOT_ABOUT_PEOPLE = {
    "events": "the event itself",
    "offers": "ticket types and prices",
    "alembic_version": "the schema revision",
    "job_runs": "when each scheduled job last ran (errors are masked)",
    "webhook_failures": "when a webhook failed, and why (no payload)",
    "staff_members": "the team (their own data, not a customer's)",
    "staff_sign_ins": "the team's sign-in links",
    "wording_overrides": "the shop's texts as marketing edited them",
    "event_revisions": "saved versions of the event's copy and offers (the author is a staff id)",
    "images": "the shop's pictures and their descriptions (speakers are public on the page)",
    "discount_codes": "marketing's discount codes (an order keeps the code it used)",
}


def test_the_export_holds_every_kind_of_record_about_the_person(client, shop):
    customer = make_person(client, shop)
    customer_id = customer.id
    open_centre(client, shop)

    download = client.get("/my-data/me/export.json")
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("application/json")
    assert "attachment" in download.headers["Content-Disposition"]
    data = json.loads(download.text)

    # What each table holds about the person, read from the database.
    order = _db.session.scalar(select(Order))
    rows = {
        "customers": 1,
        "leads": _db.session.query(Lead).filter_by(customer_id=customer_id).count(),
        "lead_changes": _db.session.query(LeadChange)
        .join(Lead)
        .filter(Lead.customer_id == customer_id)
        .count(),
        "orders": _db.session.query(Order).filter_by(customer_id=customer_id).count(),
        "order_status_changes": len(order.history),
        "webhook_events": _db.session.query(WebhookEvent).filter_by(order_id=order.id).count(),
        "consent_records": _db.session.execute(
            text("select count(*) from consent_records where consent_id = :id"),
            {"id": customer.consent_id},
        ).scalar(),
        "outbox_messages": _db.session.query(OutboxMessage)
        .filter_by(customer_id=customer_id)
        .count(),
        "privacy_requests": _db.session.query(PrivacyRequest)
        .filter_by(customer_id=customer_id)
        .count(),
        "audit_entries": _db.session.query(AuditEntry).filter_by(customer_id=customer_id).count(),
        "invoice_documents": _db.session.query(InvoiceDocument)
        .filter(InvoiceDocument.order_id == order.id)
        .count(),
        "tickets": len(order.tickets),
        "waitlist_entries": _db.session.query(WaitlistEntry)
        .filter_by(customer_id=customer_id)
        .count(),
        "waitlist_offers": _db.session.query(SeatOffer)
        .join(WaitlistEntry)
        .filter(WaitlistEntry.customer_id == customer_id)
        .count(),
    }
    shown = {
        "customers": 1 if data["profile"]["email"] == PERSON.email else 0,
        "leads": len(data["leads"]),
        "lead_changes": sum(len(lead["form_submissions"]) for lead in data["leads"]),
        "orders": len(data["orders"]),
        "order_status_changes": sum(len(o["status_history"]) for o in data["orders"]),
        "webhook_events": sum(len(o["payment_notifications"]) for o in data["orders"]),
        "consent_records": len(data["consents"]["cookie_choices"]),
        "outbox_messages": len(data["sent_to_outside_systems"]),
        "privacy_requests": len(data["privacy_requests"]),
        "audit_entries": len(data["back_office_actions"]),
        "invoice_documents": sum(len(o["invoices"]) for o in data["orders"]),
        "tickets": sum(len(o["tickets"]) for o in data["orders"]),
        "waitlist_entries": len(data["waiting_lists"]),
        "waitlist_offers": sum(len(w["seats_offered"]) for w in data["waiting_lists"]),
    }
    tables = set(inspect(_db.engine).get_table_names())
    unclassified = tables - set(rows) - set(NOT_ABOUT_PEOPLE)
    assert not unclassified, f"tables the export does not account for: {unclassified}"
    for table, count in rows.items():
        assert count >= 1, f"the test person has no {table} row: the test is too weak"
        assert shown[table] == count, table

    profile = data["profile"]
    # The lead made the profile; the checkout after it leaves it alone and keeps what
    # was typed on the order.
    assert (profile["name"], profile["phone"], profile["nif"]) == (PERSON.name, None, None)
    assert (data["orders"][0]["name_typed"], data["orders"][0]["phone_typed"]) == (
        PERSON.name,
        PERSON.phone_e164,
    )
    assert data["consents"]["marketing_email"]["given"] is True
    assert data["consents"]["marketing_email"]["email_confirmed_at"]
    assert data["journey"]["stage"] == "purchase"
    assert data["orders"][0]["status"] == "paid"
    assert data["orders"][0]["billing_nif"] == PERSON.nif
    systems = {(m["system"], m["what"]) for m in data["sent_to_outside_systems"]}
    assert {("email", "order_confirmation"), ("kit", "subscriber"), ("crm", "purchase")} <= systems


def test_the_export_needs_an_open_visit(client, shop):
    make_person(client, shop)
    response = client.get("/my-data/me/export.json")
    assert response.status_code == 303
    assert PERSON.email not in response.text


# -- erasure ----------------------------------------------------------------------------


def _every_stored_value() -> str:
    """Every value of every row of every table, as text (encrypted columns as stored)."""
    parts = []
    with _db.engine.connect() as conn:
        for table in inspect(_db.engine).get_table_names():
            for row in conn.execute(text(f"select * from {table}")):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def test_erasure_leaves_nothing_that_identifies_the_person(client, shop):
    customer = make_person(client, shop)
    customer_id, consent_id = customer.id, customer.consent_id
    index = blind_index(PERSON.email)
    order = _db.session.scalar(select(Order))
    order_token, attendee_token = order.public_token, order.attendee_token
    assert PERSON.email in shop.kit.subscribers
    assert PERSON.email in shop.hubspot.contacts
    open_centre(client, shop)

    refused = client.post("/my-data/me/erase", data={})
    assert refused.status_code == 422
    erased = client.post("/my-data/me/erase", data={"confirm": "y"})
    assert erased.status_code == 303
    assert erased.headers["Location"].endswith("/my-data/erased")
    deliver_until_settled()

    # No table holds the person: not in clear, not encrypted, not by blind index or id.
    _db.session.rollback()
    assert _db.session.get(Customer, customer_id) is None
    assert _db.session.scalar(select(Lead)) is None
    stored = _every_stored_value()
    for secret in (PERSON.email, PERSON.name, PERSON.phone_e164, PERSON.nif, index, consent_id):
        assert secret not in stored, secret
    for message in _db.session.scalars(select(OutboxMessage)):
        assert message.customer_id is None
        assert "sealed_email" not in (message.payload or {})
        assert message.payload.get("customer_id") is None
    # The order stays for the tax records, with nothing that points to the person.
    kept = _db.session.scalar(select(Order))
    assert kept.customer_id is None and kept.billing_nif is None and kept.ga_client_id is None
    assert kept.buyer_name is None and kept.buyer_phone is None
    assert kept.anonymized_at is not None and kept.amount_cents > 0 and kept.status == "paid"

    # Kit unsubscribed them; HubSpot deleted the contact.
    assert shop.kit.subscribers[PERSON.email]["state"] == "cancelled"
    assert PERSON.email not in shop.hubspot.contacts
    assert PERSON.email not in shop.hubspot.blocklist
    # A last email confirms it, to the erased address.
    last = read_eml(shop.mail)[-1]
    assert last["To"].addresses[0].addr_spec == PERSON.email
    assert "erased" in last["Subject"] or "apagados" in last["Subject"]

    # The order page and the ticket still work, without any personal detail.
    page = client.get(f"/order/{order_token}")
    assert page.status_code == 200
    assert PERSON.name not in page.text and PERSON.email not in page.text
    assert "data-erased" in page.text
    assert "checkout.retry" not in page.text
    assert client.get(f"/attendee/{attendee_token}").status_code == 200
    # The browser's visit is over and its session names nobody.
    assert client.get("/my-data/me").status_code == 303
    with client.session_transaction() as session:
        assert "customer_id" not in session


def test_erasure_does_not_ask_outside_systems_that_never_had_the_person(client, shop):
    client.post("/leads", data=lead_data(name=PERSON.name, email=PERSON.email))
    deliver_until_settled()
    open_centre(client, shop)
    client.post("/my-data/me/erase", data={"confirm": "y"})
    deliver_until_settled()
    assert not shop.hubspot.calls("POST", r"/crm/v3/objects/contacts/gdpr-delete")
    assert not shop.kit.calls("GET", r"/v4/subscribers")
    assert not shop.hubspot.blocklist
    _db.session.rollback()
    assert _db.session.scalar(select(Customer)) is None


def test_erasure_first_closes_a_payment_still_waiting(client, shop):
    token = token_from(check_out(client, email=PERSON.email, payment_method="mb_way"))
    _db.session.rollback()
    assert _db.session.scalar(select(Order)).status == "awaiting_payment"
    open_centre(client, shop)

    erased = client.post("/my-data/me/erase", data={"confirm": "y"})

    assert erased.status_code == 303, erased.text
    _db.session.rollback()
    order = _db.session.scalar(select(Order))
    assert order.status == "failed" and order.customer_id is None
    # Nobody can pay an erased person's order again.
    retry = client.post(f"/order/{token}/retry", data={"payment_method": "card"})
    assert retry.status_code == 303
    _db.session.rollback()
    assert _db.session.scalar(select(Order)).status == "failed"


def test_a_confirmation_sent_after_the_erasure_is_not_delivered(client, shop):
    """Messages still queued about the person are dropped: nothing more goes out."""
    client.post("/leads", data=lead_data(name=PERSON.name, email=PERSON.email))
    client.post("/my-data", data={"email": PERSON.email})
    link = access_link(shop)
    client.post("/leads", data=lead_data(name=PERSON.name, email=PERSON.email))  # re-sent
    client.post(link)
    client.post("/my-data/me/erase", data={"confirm": "y"})
    _db.session.rollback()
    skipped = _db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "lead_confirmation")
    ).all()
    assert skipped and all(m.status == OutboxStatus.SKIPPED for m in skipped[-1:])
