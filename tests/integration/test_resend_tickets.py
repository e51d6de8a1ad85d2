"""The back office's "Resend the confirmation": the buyer's confirmation again, and each
attendee with an address of their own gets their ticket again (not a seat refunded
alone), all through the outbox; the page says how many emails were queued."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.models import Order
from app.orders.placing import Attendee, BuyerDetails, PaymentChoice, place_order
from app.tickets.codes import ticket_code
from tests.integration.helpers import (
    deliver_until_settled,
    fresh,
    messages,
    outbox_settings,
    read_eml,
)
from tests.integration.staff_helpers import sign_in

THREE_SEATS = BuyerDetails(
    "Rita Conceição",
    "rita@example.pt",
    "+351912345678",
    None,
    "pt_PT",
    attendees=(
        Attendee("Rita Conceição"),
        Attendee("Marta Sousa", "marta@example.pt"),
        Attendee("Joana Lopes", "joana@example.pt"),
    ),
)
ONE_SEAT = BuyerDetails("Ana Prates", "ana@example.pt", "+351912345678", None, "pt_PT")


@pytest.fixture
def mailbox(app, db, tmp_path):
    mail = tmp_path / "mail"
    with outbox_settings(app, MAIL_DIR=str(mail), SMTP_URL="", OUTBOX_BACKOFF_SECONDS=0.01):
        yield mail


def _paid(client, buyer: BuyerDetails) -> Order:
    offer = _db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    quantity = max(1, len(buyer.attendees))
    order = place_order(offer.id, buyer, PaymentChoice("card", "demo", 900), quantity=quantity)
    paid = client.post(f"/demo/card/{order.public_token}", data={"cardholder_name": "Rita"})
    assert paid.status_code == 303
    order = fresh(order)
    assert order.status == "paid"
    return order


def _to(mails) -> list[str]:
    return sorted(m["To"].addresses[0].addr_spec for m in mails)


def test_a_resend_queues_each_attendees_own_ticket_again_but_not_a_void_one(client, mailbox):
    order = _paid(client, THREE_SEATS)
    deliver_until_settled("email")
    first = read_eml(mailbox)
    assert _to(first) == ["joana@example.pt", "marta@example.pt", "rita@example.pt"]
    rita, marta, joana = order.tickets
    sign_in(client, "owner")
    voided = client.post(
        f"/staff/orders/{order.id}/tickets/{joana.id}/refund", data={"confirm": "y"}
    )
    assert voided.status_code == 303
    deliver_until_settled("email")
    before = {m.id for m in messages("email")}
    sent_before = len(read_eml(mailbox))

    done = client.post(f"/staff/orders/{order.id}/resend", data={"confirm": "y"})
    assert done.status_code == 303
    page = client.get(done.headers["Location"]).text
    assert 'data-emails-queued="2"' in page
    assert (
        "2 emails em fila de envio: a confirmação da compradora e o bilhete de 1 participante "
        "com email próprio." in page
    )
    queued = [m for m in messages("email") if m.id not in before]
    assert sorted(m.kind for m in queued) == ["attendee_ticket", "order_confirmation"]
    [ticket_message] = [m for m in queued if m.kind == "attendee_ticket"]
    assert ticket_message.payload["ticket_id"] == str(marta.id)

    # Delivered as the first time: the buyer and Marta again, Joana (refunded) not.
    deliver_until_settled("email")
    everything = read_eml(mailbox)
    assert len(everything) == sent_before + 2
    addressed = _to(everything)
    assert addressed.count("marta@example.pt") == 2 and addressed.count("joana@example.pt") == 1
    for mail in everything:
        if mail["To"].addresses[0].addr_spec == "marta@example.pt":
            text = mail.get_body(preferencelist=("plain",)).get_content()
            # Only her ticket, as the first time.
            assert ticket_code(marta.ref) in text and ticket_code(rita.ref) not in text

    [entry] = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "order.resend_confirmation")
    ).all()
    assert entry.after == {"emails_queued": 2}


def test_a_resend_of_one_ticket_says_one_email(client, mailbox):
    order = _paid(client, ONE_SEAT)
    sign_in(client, "owner")
    before = len(messages("email"))
    done = client.post(f"/staff/orders/{order.id}/resend", data={"confirm": "y"})
    page = client.get(done.headers["Location"]).text
    assert 'data-emails-queued="1"' in page
    assert "Um email em fila de envio: a confirmação da compradora" in page
    assert len(messages("email")) == before + 1
