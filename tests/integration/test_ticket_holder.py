"""Giving one ticket to another person from the back office: the ticket, the door's list
and her own email follow, the buyer's details stay, and a ticket used at the door keeps
the name of whoever came in."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db as _db
from app.orders.tickets import Ticket
from tests.integration.helpers import fresh, messages
from tests.integration.staff_helpers import sign_in
from tests.integration.test_checkin import _check_in, _codes, _order


def _tickets(order) -> list[Ticket]:
    _db.session.rollback()
    return list(
        _db.session.scalars(
            select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.position)
        )
    )


def test_a_ticket_given_to_another_person_carries_her_name_and_reaches_her(client, db):
    order = _order("Maria Sá", "Rui Lopes")
    sign_in(client, "owner")
    page = client.get(f"/staff/orders/{order.id}").text
    assert page.count("data-ticket-holder") == 2
    second = _tickets(order)[1]
    address = f"/staff/orders/{order.id}/tickets/{second.id}/holder"
    form = client.get(address).text
    assert 'value="Rui Lopes"' in form

    emails = len(messages("email"))
    answer = client.post(address, data={"name": "Ana Ramalho", "email": "ana.ramalho@example.pt"})
    assert answer.status_code == 303
    first, second = _tickets(order)
    assert (second.attendee_name, second.attendee_email) == (
        "Ana Ramalho",
        "ana.ramalho@example.pt",
    )
    assert first.attendee_name == "Maria Sá"
    # The buyer stays who she was.
    assert fresh(order).name_on_order == "Maria Sá"
    sent = messages("email")[emails:]
    assert [(m.kind, m.payload["ticket_id"]) for m in sent] == [("attendee_ticket", str(second.id))]
    entry = _db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "ticket.change_holder")
    )
    assert entry.before["name"] == "Rui Lopes" and entry.after["name"] == "Ana Ramalho"
    shown = client.get(answer.headers["Location"]).text
    assert "Ana Ramalho" in shown and "data-ticket-emailed" in shown
    # The door finds her by her name now, without the accents typed.
    assert "Ana Ramalho" in client.get("/staff/checkin?q=ramalho").text


def test_a_bad_email_is_sent_back_as_typed_and_changes_nothing(client, db):
    order = _order("Maria Sá", "Rui Lopes")
    sign_in(client, "owner")
    second = _tickets(order)[1]
    answer = client.post(
        f"/staff/orders/{order.id}/tickets/{second.id}/holder",
        data={"name": "Ana Ramalho", "email": "ana@"},
    )
    assert answer.status_code == 422
    assert 'value="ana@"' in answer.text and 'value="Ana Ramalho"' in answer.text
    assert _tickets(order)[1].attendee_name == "Rui Lopes"


def test_a_ticket_used_at_the_door_keeps_its_name(client, db):
    order = _order("Maria Sá", "Rui Lopes")
    first_code, _second_code = _codes(order)
    sign_in(client, "owner")
    assert _check_in(client, first_code)[0] == "ok"
    first = _tickets(order)[0]
    page = client.get(f"/staff/orders/{order.id}").text
    assert page.count("data-ticket-holder") == 1
    answer = client.post(
        f"/staff/orders/{order.id}/tickets/{first.id}/holder",
        data={"name": "Outra Pessoa", "email": ""},
    )
    assert answer.status_code == 422 and 'data-ticket-state="checked_in"' in answer.text
    assert _tickets(order)[0].attendee_name == "Maria Sá"


def test_marketing_may_not_give_tickets_away(client, db):
    order = _order("Maria Sá", "Rui Lopes")
    sign_in(client, "marketing")
    second = _tickets(order)[1]
    address = f"/staff/orders/{order.id}/tickets/{second.id}/holder"
    assert client.get(address).status_code == 403
    assert client.post(address, data={"name": "X Y", "email": ""}).status_code == 403
    assert _tickets(order)[1].attendee_name == "Rui Lopes"
