"""A ticket let in at the door is not refunded: its holder is inside, so its seat must not
be sold again. The back office does not offer it, refuses it in words if asked, and
refuses a refund of all that is left of an order with a ticket used (that would void
every ticket); the unused tickets and a part of the amount are refunded as before, with
the same audit entries."""

from __future__ import annotations

import threading

from sqlalchemy import select

from app.audit.log import Actor
from app.audit.models import AuditEntry
from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.holds import seats_taken
from app.orders.models import Order
from app.orders.moves import commit_move
from app.orders.placing import Attendee, BuyerDetails, PaymentChoice, place_order
from app.orders.states import OrderStatus
from app.orders.tickets import Ticket
from app.staff import door
from app.staff.order_actions import ActionRefused, refund_ticket
from app.tickets.codes import ticket_code
from tests.integration.helpers import fresh, messages
from tests.integration.staff_helpers import sign_in

RITA_AND_MARTA = BuyerDetails(
    "Rita Conceição",
    "rita@example.pt",
    "+351912345678",
    None,
    "pt_PT",
    attendees=(Attendee("Rita Conceição"), Attendee("Marta Sousa")),
)


def _paid_two_seats() -> Order:
    offer = _db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    order = place_order(offer.id, RITA_AND_MARTA, PaymentChoice("card", "demo", 900), quantity=2)
    return commit_move(order.id, OrderStatus.PAID, "payment_succeeded")


def _let_in(app, ticket: Ticket) -> None:
    """The door scans the ticket, from a phone of its own."""
    phone = sign_in(app.test_client(), "door")
    answer = phone.post("/staff/checkin", data={"code": ticket_code(ticket.ref)})
    assert 'data-checkin="ok"' in answer.get_data(as_text=True)


def _refund_actions() -> list[str]:
    _db.session.expire_all()
    return [
        entry.action
        for entry in _db.session.scalars(select(AuditEntry))
        if entry.action.startswith("order.refund")
    ]


def _nothing_refunded(order: Order, seats: int) -> None:
    """The order, its tickets, its seats, its messages and the audit log are as they were."""
    order = fresh(order)
    assert order.status == "paid" and order.refunded_cents == 0
    assert all(ticket.voided_at is None for ticket in order.tickets)
    assert seats_taken(order.offer_id) == seats
    assert not [m for m in messages() if m.kind in ("refund_notice", "credit_note")]
    assert _refund_actions() == []


def test_a_ticket_used_at_the_door_is_not_offered_nor_refunded(app, client, db):
    order = _paid_two_seats()
    rita, marta = order.tickets
    seats = seats_taken(order.offer_id)
    _let_in(app, rita)
    sign_in(client, "owner")

    detail = client.get(f"/staff/orders/{order.id}").text
    # Only Marta's seat can be refunded; Rita's row says why it cannot.
    assert detail.count("data-refund-ticket") == 1
    assert f"/tickets/{marta.id}/refund" in detail and f"/tickets/{rita.id}/refund" not in detail
    assert 'data-refund-blocked="checked_in"' in detail
    assert "Usado à entrada: não reembolsável" in detail

    url = f"/staff/orders/{order.id}/tickets/{rita.id}/refund"
    page = client.get(url).text
    assert 'data-ticket-state="checked_in"' in page and "data-confirm-action" not in page
    refused = client.post(url, data={"confirm": "y"})
    assert refused.status_code == 422
    assert "Este bilhete já foi usado à entrada" in refused.text
    assert "data-action-refused" in refused.text
    _nothing_refunded(order, seats)
    assert fresh(order).tickets[0].checked_in_at is not None

    # Marta's seat is refunded as before, and audited as before.
    assert (
        client.post(
            f"/staff/orders/{order.id}/tickets/{marta.id}/refund", data={"confirm": "y"}
        ).status_code
        == 303
    )
    order = fresh(order)
    assert order.refunded_cents == order.amount_cents // 2 and order.status == "paid"
    assert order.tickets[1].void_reason == "refunded" and order.tickets[0].voided_at is None
    [entry] = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "order.refund_ticket")
    ).all()
    assert entry.after["voided"] == marta.ref
    assert entry.after["asked_cents"] == order.amount_cents // 2
    assert entry.before["ticket"] == marta.ref and entry.before["refunded_cents"] == 0


def test_all_that_is_left_is_not_refunded_once_a_ticket_was_used(app, client, db):
    order = _paid_two_seats()
    seats = seats_taken(order.offer_id)
    _let_in(app, order.tickets[0])
    sign_in(client, "owner")
    url = f"/staff/orders/{order.id}/refund"
    form = client.get(url).text
    assert 'data-tickets-used="1"' in form
    assert "1 bilhete desta encomenda já foi usado à entrada" in form

    refused = client.post(url, data={"confirm": "y"})
    assert refused.status_code == 422
    assert "1 bilhete desta encomenda já foi usado à entrada" in refused.text
    assert "Nada foi reembolsado" in refused.text
    # Typing the whole amount is refusing the same thing.
    whole = f"{order.amount_cents // 100},{order.amount_cents % 100:02d}"
    assert client.post(url, data={"amount": whole, "confirm": "y"}).status_code == 422
    _nothing_refunded(order, seats)

    # With both used the words count two.
    _let_in(app, order.tickets[1])
    refused = client.post(url, data={"confirm": "y"})
    assert "2 bilhetes desta encomenda já foram usados à entrada" in refused.text
    _nothing_refunded(order, seats)

    # A part of the amount (a gesture, say) voids nothing and goes through, audited.
    assert client.post(url, data={"amount": "20", "confirm": "y"}).status_code == 303
    order = fresh(order)
    assert order.status == "paid" and order.refunded_cents == 2000
    assert all(ticket.admission == "valid" for ticket in order.tickets)
    [entry] = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "order.refund"))
    assert entry.after["asked_cents"] == 2000 and entry.before["refunded_cents"] == 0


def test_a_ticket_let_in_while_its_refund_page_was_open_is_not_refunded(app, db):
    """The member opened the order before the scan: the refund's own conditional write
    finds the ticket checked in and changes nothing."""
    order = _paid_two_seats()
    seats = seats_taken(order.offer_id)
    stale = _db.session.get(Order, order.id)
    rita = stale.tickets[0]
    assert rita.checked_in_at is None

    def scan() -> None:
        with app.app_context():
            answer = door.check_in(ticket_code(rita.ref), Actor(None, "porta", "door"))
            assert answer.kind == "ok"
            _db.session.remove()

    # Another phone, another session: this one still sees the ticket as it was.
    scanner = threading.Thread(target=scan)
    scanner.start()
    scanner.join()
    assert rita.checked_in_at is None
    try:
        refund_ticket(Actor(None, "dona", "owner"), stale, rita.id)
    except ActionRefused as refused:
        assert refused.code == "checked_in"
    else:
        raise AssertionError("a ticket let in was refunded")
    _nothing_refunded(order, seats)
