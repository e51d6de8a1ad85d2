"""Tickets as the buyer, the attendees and the team see them: each seat of a paid order is a
QR and a code on the attendee page (the contract: `data-ticket`, `data-ticket-code`), on a
printable page and in the emails; an attendee with an address of their own gets only
their ticket; refunding one seat voids exactly that ticket, through the provider."""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image
from sqlalchemy import select

from app.audit.log import Actor
from app.audit.models import AuditEntry
from app.catalog.models import Offer
from app.extensions import db
from app.orders.holds import seats_left, seats_refunded_alone, seats_taken
from app.orders.models import Order
from app.orders.placing import Attendee, BuyerDetails, PaymentChoice, place_order
from app.orders.tickets import Ticket
from app.payments.provider import PaymentProviderError
from app.payments.starting import start_payment
from app.privacy.erasure import erase_person
from app.staff.order_actions import ActionRefused, refund_ticket
from app.tickets.codes import ticket_code
from app.tickets.qr import PNG_SCALE, QUIET_ZONE, qr_matrix
from tests.integration.helpers import (
    check_out_like_a_browser,
    deliver_until_settled,
    fresh,
    messages,
    only_order,
    outbox_settings,
    read_eml,
    send_webhook,
)
from tests.integration.staff_helpers import sign_in

BUYER = BuyerDetails(
    "Rita Conceição",
    "rita@example.pt",
    "+351912345678",
    None,
    "pt_PT",
    attendees=(Attendee("Rita Conceição"), Attendee("Marta Sousa", "marta@example.pt")),
)


@pytest.fixture
def mailbox(app, db, tmp_path):
    mail = tmp_path / "mail"
    with outbox_settings(app, MAIL_DIR=str(mail), SMTP_URL="", OUTBOX_BACKOFF_SECONDS=0.01):
        yield mail


def _offer() -> Offer:
    return db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))


def _two_seats(payment: PaymentChoice | None = None) -> Order:
    """An order of two seats, awaiting payment: Rita's and Marta's (with her own email)."""
    return place_order(
        _offer().id, BUYER, payment or PaymentChoice("card", "demo", 900), quantity=2
    )


def _paid_two_seats(client) -> Order:
    """Two seats paid on the demo card page, as the buyer pays (so the emails are queued)."""
    order = _two_seats()
    paid = client.post(f"/demo/card/{order.public_token}", data={"cardholder_name": "Rita"})
    assert paid.status_code == 303, paid.text
    order = fresh(order)
    assert order.status == "paid"
    return order


def _svg_matrix(svg: str) -> list[list[int]]:
    """The modules an inline SVG of ours draws (segno's path: runs of dark modules, one
    row at a time), the quiet zone cut off: what a camera would read from the page."""
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    drawn = re.search(r'<path[^>]*stroke="#000"[^>]*d="([^"]+)"', svg).group(1)
    grid = [[0] * size for _ in range(size)]
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHhVv])([-\d. ]+)", drawn.replace("-", " -")):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":
            for column in range(int(x), int(x + values[0])):
                grid[int(y)][column] = 1
            x += values[0]
    inner = range(QUIET_ZONE, size - QUIET_ZONE)
    return [[grid[row][column] for column in inner] for row in inner]


def _png_matrix(data: bytes, modules: int) -> list[list[int]]:
    """The modules a PNG of ours shows, read at each module's centre."""
    image = Image.open(io.BytesIO(data)).convert("L")
    assert image.size[0] == (modules + 2 * QUIET_ZONE) * PNG_SCALE

    def dark(row: int, column: int) -> int:
        centre = (
            (column + QUIET_ZONE) * PNG_SCALE + PNG_SCALE // 2,
            (row + QUIET_ZONE) * PNG_SCALE + PNG_SCALE // 2,
        )
        return int(image.getpixel(centre) < 128)

    return [[dark(row, column) for column in range(modules)] for row in range(modules)]


def _as_lists(matrix) -> list[list[int]]:
    return [list(row) for row in matrix]


def _tickets_of(page: str) -> list[str]:
    return re.findall(r"<article[^>]*data-ticket=.*?</article>", page, re.S)


# -- the attendee page ----------------------------------------------------------------------


def test_the_attendee_page_shows_each_ticket_as_a_qr_with_its_code(client, db):
    order = _paid_two_seats(client)
    page = client.get(f"/attendee/{order.attendee_token}")
    assert page.status_code == 200
    html = page.text
    shown = _tickets_of(html)
    assert len(shown) == 2
    for ticket, block in zip(order.tickets, shown, strict=True):
        code = ticket_code(ticket.ref)
        assert re.search(rf"<[^>]*data-ticket-code[^>]*>\s*{code}\s*<", block), block
        assert ticket.attendee_name in block
        [svg] = re.findall(r"<svg.*?</svg>", block, re.S)
        # What the page draws is the QR of exactly this code.
        assert _svg_matrix(svg) == _as_lists(qr_matrix(code))
        # The page's CSP forbids inline styles: the QR carries none.
        assert "style=" not in svg
    # The two codes differ, and each ticket says the event, the venue and its type.
    assert len({ticket_code(t.ref) for t in order.tickets}) == 2
    assert "Bilhete Geral" in shown[0] or _offer().localized_name("pt_PT") in shown[0]
    assert "Marta Sousa" in shown[1]


def test_the_printable_tickets_have_a_page_each(client, db):
    order = _paid_two_seats(client)
    page = client.get(f"/attendee/{order.attendee_token}/tickets")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "private, no-store"
    shown = _tickets_of(page.text)
    assert len(shown) == 2
    assert all("<svg" in block and "data-ticket-code" in block for block in shown)
    assert client.get(f"/en/attendee/{order.attendee_token}/tickets").status_code == 200
    assert client.get("/attendee/nope/tickets").status_code == 404


def test_an_unpaid_order_shows_no_qr(client, db):
    order = _two_seats()
    assert order.attendee_token is None or (
        client.get(f"/attendee/{order.attendee_token}").status_code == 404
    )
    page = client.get(f"/order/{order.public_token}").text
    # (The page's inlined stylesheet names the class: the element is what must be absent.)
    assert "data-ticket-code" not in page and 'class="ticket-qr"' not in page
    for ticket in order.tickets:
        assert ticket_code(ticket.ref) not in page


# -- the emails -----------------------------------------------------------------------------


def _png_parts(mail) -> list:
    return [part for part in mail.walk() if part.get_content_type() == "image/png"]


def test_the_confirmation_carries_each_qr_as_a_png_and_each_attendee_gets_their_own(
    client, mailbox
):
    order = _paid_two_seats(client)
    deliver_until_settled("email")
    mails = read_eml(mailbox)
    [confirmation] = [m for m in mails if m["To"].addresses[0].addr_spec == "rita@example.pt"]
    [own] = [m for m in mails if m["To"].addresses[0].addr_spec == "marta@example.pt"]
    rita_code, marta_code = (ticket_code(t.ref) for t in order.tickets)

    # The buyer has both tickets: each QR as an inline PNG, each code in words.
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    html = confirmation.get_body(preferencelist=("html",)).get_content()
    assert rita_code in text and marta_code in text
    pngs = _png_parts(confirmation)
    assert len(pngs) == 2
    for part, code in zip(pngs, (rita_code, marta_code), strict=True):
        cid = part["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        modules = len(qr_matrix(code))
        assert _png_matrix(part.get_content(), modules) == _as_lists(qr_matrix(code))
    assert any(p.get_content_type() == "text/calendar" for p in confirmation.iter_attachments())

    # Marta gets only hers, addressed to her.
    assert own["To"].addresses[0].display_name == "Marta Sousa"
    own_text = own.get_body(preferencelist=("plain",)).get_content()
    assert marta_code in own_text and rita_code not in own_text
    [png] = _png_parts(own)
    assert _png_matrix(png.get_content(), len(qr_matrix(marta_code))) == _as_lists(
        qr_matrix(marta_code)
    )
    # One message each, through the outbox.
    kinds = [m.kind for m in messages("email")]
    assert kinds.count("order_confirmation") == 1 and kinds.count("attendee_ticket") == 1


def test_an_attendee_ticket_refunded_before_delivery_is_not_sent(client, mailbox):
    order = _paid_two_seats(client)
    sign_in(client, "owner")
    marta = order.tickets[1]
    client.post(f"/staff/orders/{order.id}/tickets/{marta.id}/refund", data={"confirm": "y"})
    deliver_until_settled("email")
    addressed = [m["To"].addresses[0].addr_spec for m in read_eml(mailbox)]
    assert "marta@example.pt" not in addressed
    [skipped] = [m for m in messages("email") if m.kind == "attendee_ticket"]
    assert skipped.status == "skipped"


# -- refunding one seat ---------------------------------------------------------------------


def test_refunding_one_seat_voids_exactly_that_ticket(client, db):
    order = _paid_two_seats(client)
    unit = order.amount_cents // 2
    rita, marta = order.tickets
    sign_in(client, "owner")
    detail = client.get(f"/staff/orders/{order.id}").text
    assert detail.count("data-refund-ticket") == 2
    assert ticket_code(marta.ref) in detail

    refund_url = f"/staff/orders/{order.id}/tickets/{marta.id}/refund"
    confirm_page = client.get(refund_url)
    assert confirm_page.status_code == 200
    assert f'data-seat-amount="{unit}"' in confirm_page.text
    assert client.post(refund_url, data={}).status_code == 422
    done = client.post(refund_url, data={"confirm": "y"})
    assert done.status_code == 303

    order = fresh(order)
    assert order.status == "paid" and order.refunded_cents == unit
    db.session.expire_all()
    assert db.session.get(Ticket, marta.id).voided_at is not None
    assert db.session.get(Ticket, marta.id).void_reason == "refunded"
    assert db.session.get(Ticket, rita.id).voided_at is None
    # The refund went the usual way: a credit note, the buyer's email, the audit log.
    kinds = {(m.channel, m.kind) for m in messages()}
    assert {("invoicing", "credit_note"), ("email", "refund_notice")} <= kinds
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "order.refund_ticket")
    ).all()
    assert entry.after["asked_cents"] == unit

    # The attendee page shows the seat void, without its QR; the other still admits.
    page = client.get(f"/attendee/{order.attendee_token}").text
    rita_block, marta_block = _tickets_of(page)
    assert 'data-ticket="void"' in marta_block and "<svg" not in marta_block
    assert ticket_code(marta.ref) not in marta_block
    assert 'data-ticket="valid"' in rita_block and "<svg" in rita_block
    # The door's list has a row per person, this one void.
    door = client.get("/staff/attendees").text
    assert door.count("data-attendee-ticket=") == 2
    assert 'data-attendee-ticket="void"' in door and ticket_code(marta.ref) in door
    # A second refund of the same seat refunds nothing.
    again = client.post(refund_url, data={"confirm": "y"})
    assert again.status_code == 422
    assert fresh(order).refunded_cents == unit


def test_a_seat_refunded_alone_is_free_again_for_sale_and_the_waiting_list(client, db):
    order = _paid_two_seats(client)
    offer = _offer()
    taken = seats_taken(offer.id)
    left = seats_left(offer)
    sign_in(client, "owner")
    marta = order.tickets[1]
    url = f"/staff/orders/{order.id}/tickets/{marta.id}/refund"
    assert client.post(url, data={"confirm": "y"}).status_code == 303
    db.session.expire_all()
    # The order stays paid for one seat; the other is for sale again (or offered to the
    # first person on the waiting list), and the dashboard counts one seat sold.
    assert seats_taken(offer.id) == taken - 1
    assert seats_left(offer) == left + 1
    assert seats_refunded_alone() == {offer.id: 1}


def test_a_seat_is_not_for_sale_while_its_refund_is_asked_nor_when_refused(client, db, monkeypatch):
    order = _paid_two_seats(client)
    offer = _offer()
    taken = seats_taken(offer.id)
    seen_while_asking = []

    def refused(order, cents):
        seen_while_asking.append(seats_taken(offer.id))
        raise PaymentProviderError("card network down")

    monkeypatch.setattr("app.staff.order_actions.refund_order", refused)
    marta = order.tickets[1]
    with pytest.raises(ActionRefused):
        refund_ticket(Actor(None, "owner", "owner"), order, marta.id)
    # The door already turned the ticket away while the provider was asked, but nobody
    # else could buy the seat: a refused refund gives it back to its holder.
    assert seen_while_asking == [taken]
    db.session.expire_all()
    assert db.session.get(Ticket, marta.id).voided_at is None
    assert seats_taken(offer.id) == taken


def test_refunding_the_last_seat_refunds_the_order_in_full(client, db):
    order = _paid_two_seats(client)
    sign_in(client, "owner")
    for ticket in order.tickets:
        url = f"/staff/orders/{order.id}/tickets/{ticket.id}/refund"
        assert client.post(url, data={"confirm": "y"}).status_code == 303
    order = fresh(order)
    assert order.status == "refunded"
    assert order.refunded_cents == order.amount_cents
    assert all(ticket.admission == "void" for ticket in order.tickets)


def test_only_an_owner_refunds_a_seat(client, db):
    order = _paid_two_seats(client)
    sign_in(client, "door")
    url = f"/staff/orders/{order.id}/tickets/{order.tickets[0].id}/refund"
    assert client.post(url, data={"confirm": "y"}).status_code == 403
    assert fresh(order).refunded_cents == 0
    assert client.get(f"/staff/orders/{order.id}/tickets/not-a-uuid/refund").status_code == 403


def _paid_through_stripe(stripe_app, stripe_client, stripe) -> Order:
    """Two seats paid by MB WAY through the Stripe double, as Stripe's webhook says."""
    with stripe_app.test_request_context():
        order = _two_seats(PaymentChoice("mb_way", "stripe", 900))
        start_payment(order, return_url=f"http://shop.test/order/{order.public_token}")
    order = fresh(order)
    send_webhook(
        stripe_client,
        stripe.event("payment_intent.succeeded", stripe.succeed_intent(order.provider_reference)),
    )
    order = fresh(order)
    assert order.status == "paid"
    return order


def test_a_seat_refunded_through_stripe_asks_stripe_for_one_seat(stripe_app, stripe_client, stripe):
    stripe_app.config["WTF_CSRF_ENABLED"] = False
    order = _paid_through_stripe(stripe_app, stripe_client, stripe)
    unit = order.amount_cents // 2

    sign_in(stripe_client, "owner")
    marta = order.tickets[1]
    answer = stripe_client.post(
        f"/staff/orders/{order.id}/tickets/{marta.id}/refund", data={"confirm": "y"}
    )
    assert answer.status_code == 303, answer.text
    [call] = stripe.calls("POST", "/v1/refunds")
    assert call.params["amount"] == str(unit)
    # The ticket is void at once; Stripe's webhook records the money.
    db.session.expire_all()
    assert db.session.get(Ticket, marta.id).admission == "void"
    charge = stripe.charge_of(order.payment_intent_id)
    send_webhook(
        stripe_client, stripe.event("charge.refunded", stripe.refund_charge(charge["id"], unit))
    )
    order = fresh(order)
    assert order.status == "paid" and order.refunded_cents == unit
    assert order.tickets[0].admission == "valid"


def test_two_seats_refunded_before_stripe_confirms_ask_for_the_total_once(
    stripe_app, stripe_client, stripe
):
    """Stripe confirms a refund by webhook, later: the second seat must not be priced from
    a refunded total that does not yet count the first."""
    stripe_app.config["WTF_CSRF_ENABLED"] = False
    order = _paid_through_stripe(stripe_app, stripe_client, stripe)
    sign_in(stripe_client, "owner")
    for ticket in order.tickets:
        url = f"/staff/orders/{order.id}/tickets/{ticket.id}/refund"
        assert stripe_client.post(url, data={"confirm": "y"}).status_code == 303
    asked = [int(call.params["amount"]) for call in stripe.calls("POST", "/v1/refunds")]
    assert asked == [order.amount_cents // 2, order.amount_cents - order.amount_cents // 2]
    charge = stripe.charge_of(order.payment_intent_id)
    for cents in asked:
        send_webhook(
            stripe_client,
            stripe.event("charge.refunded", stripe.refund_charge(charge["id"], cents)),
        )
    order = fresh(order)
    assert order.status == "refunded" and order.refunded_cents == order.amount_cents


# -- privacy --------------------------------------------------------------------------------


def test_erasure_removes_the_attendees_names(client, db):
    order = _paid_two_seats(client)
    erase_person(order.customer_id, notify=False, reason="test")
    db.session.expire_all()
    tickets = db.session.scalars(select(Ticket).where(Ticket.order_id == order.id)).all()
    assert all(t.attendee_name is None and t.attendee_email is None for t in tickets)
    page = client.get(f"/attendee/{order.attendee_token}").text
    assert "Marta Sousa" not in page and "Rita Conceição" not in page
    # The tickets still admit (the order is paid), by their codes.
    assert all(ticket_code(t.ref) in page for t in tickets)


def test_owners_refunding_one_seat_at_once_refund_it_once(app, client, db):
    """Several owners (or a double tap on several phones) press refund on one seat at the
    same moment: one refund, the others told the ticket is already void. On SQLite and
    PostgreSQL."""
    order = _paid_two_seats(client)
    order_id, seat = order.id, order.tickets[1].id
    unit = order.amount_cents // 2
    owners = 6
    start_together = threading.Barrier(owners)

    def press(n: int) -> str:
        with app.app_context():
            mine = db.session.get(Order, order_id)
            assert len(mine.tickets) == 2
            db.session.commit()
            start_together.wait()
            try:
                refund_ticket(Actor(None, f"owner {n}", "owner"), mine, seat)
                return "refunded"
            except ActionRefused as refused:
                return refused.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=owners) as pool:
        results = list(pool.map(press, range(owners)))

    assert results.count("refunded") == 1, results
    assert results.count("ticket_void") == owners - 1, results
    order = fresh(order)
    assert order.refunded_cents == unit and order.status == "paid"
    notices = [m for m in messages("email") if m.kind == "refund_notice"]
    assert len(notices) == 1


def test_a_multibanco_seat_is_refunded_by_a_transfer_the_team_records(
    ifthenpay_app, ifthenpay_client, ifthenpay
):
    check_out_like_a_browser(ifthenpay_client, "multibanco")
    order = only_order()
    payment = ifthenpay.approve(order.payment_intent_id)
    ifthenpay_client.get(f"/webhooks/ifthenpay?{ifthenpay.callback_query(payment)}")
    ticket = fresh(order).tickets[0]
    url = f"/staff/orders/{order.id}/tickets/{ticket.id}/refund"
    ifthenpay_app.config["WTF_CSRF_ENABLED"] = False
    try:
        staff = sign_in(ifthenpay_client, "owner")
        assert "data-transfer-hint" in staff.get(url).text
        # Which transfer sent it back is required, and nothing is voided without it.
        missing = staff.post(url, data={"confirm": "y"})
        assert missing.status_code == 422 and "data-action-refused" in missing.text
        assert fresh(order).tickets[0].voided_at is None
        done = staff.post(url, data={"transfer": "TRF 2026-12-01 #4471", "confirm": "y"})
        assert done.status_code == 303
    finally:
        ifthenpay_app.config["WTF_CSRF_ENABLED"] = True
    order = fresh(order)
    assert order.status == "refunded" and order.refunded_cents == order.amount_cents
    assert order.tickets[0].void_reason == "refunded"
    assert ifthenpay.calls("POST", "/v2/payments/refund") == []
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "order.refund_ticket")
    ).all()
    assert entry.after["provider_reference"] == "transfer: TRF 2026-12-01 #4471"
