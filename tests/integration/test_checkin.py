"""Check-in at the door (/staff/checkin): each answer the door can get, typed codes that
forgive, a name search, undo within five minutes, who may do it, the counts, the audit
log, and many phones checking one ticket in at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select, update

from app.audit.log import Actor
from app.audit.models import AuditEntry
from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.models import Order
from app.orders.moves import commit_move
from app.orders.placing import Attendee, BuyerDetails, PaymentChoice, place_order
from app.orders.states import OrderStatus
from app.orders.tickets import Ticket
from app.staff import door
from app.staff.accounts import add_member
from app.staff.checkin_routes import door_time
from app.tickets.codes import ticket_code
from app.timeutil import utcnow
from app.web.security import permissions_policy_header
from tests.integration.helpers import csrf_token
from tests.integration.staff_helpers import EMAILS, newest_link_token, sign_in


def _order(*names: str, pay: bool = True, slug: str = "bilhete-geral") -> Order:
    """An order of one seat per name, paid as the demo card pays (unless `pay` is off)."""
    offer = _db.session.scalar(select(Offer).where(Offer.slug == slug))
    buyer = BuyerDetails(
        names[0],
        f"{names[0].split()[0].lower()}@example.pt",
        "+351912345678",
        None,
        "pt_PT",
        attendees=tuple(Attendee(name) for name in names),
    )
    order = place_order(offer.id, buyer, PaymentChoice("card", "demo", 900), quantity=len(names))
    if pay:
        order = commit_move(order.id, OrderStatus.PAID, "payment_succeeded")
    return order


def _codes(order: Order) -> list[str]:
    _db.session.rollback()
    tickets = _db.session.scalars(
        select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.position)
    )
    return [ticket_code(ticket.ref) for ticket in tickets]


def _answer(html: str) -> str:
    found = re.findall(r'data-checkin="([a-z]+)"', html)
    assert len(found) == 1, html[:3000]
    return found[0]


def _check_in(client, code: str, **query: str) -> tuple[str, str]:
    answer = client.post("/staff/checkin", data={"code": code}, query_string=query)
    assert answer.status_code == 200, answer.status_code
    html = answer.get_data(as_text=True)
    return _answer(html), html


def _ticket(code: str) -> Ticket:
    _db.session.rollback()
    return _db.session.scalar(select(Ticket).where(Ticket.ref == code[:8]))


def test_a_valid_code_lets_its_attendee_in_once_then_answers_already(client, db):
    order = _order("Maria Sá", "Rui Lopes")
    first, second = _codes(order)
    sign_in(client, "door")

    kind, html = _check_in(client, first)
    assert kind == "ok"
    assert "Maria Sá" in html and "Bilhete Geral" in html
    assert "Válido: pode entrar" in html
    assert _ticket(first).checked_in_at is not None
    assert _ticket(second).checked_in_at is None

    kind, html = _check_in(client, first)
    assert kind == "already"
    assert "Já fez check-in" in html
    assert EMAILS["door"] in html
    # The answer names the time, in Lisbon.
    assert re.search(r"data-checkin-when>Check-in feito às \d\d:\d\d por ", html)

    assert _check_in(client, second)[0] == "ok"


def test_a_typed_code_forgives_case_spaces_and_look_alike_letters(client, db):
    [code] = _codes(_order("Inês Prata"))
    sign_in(client, "door")
    typed = "  " + code.lower().replace("-", " ").replace("0", "o").replace("1", "l") + " "
    kind, html = _check_in(client, typed)
    assert kind == "ok" and "Inês Prata" in html


def test_unknown_codes_and_a_forged_signature_are_unknown(client, db):
    [code] = _codes(_order("Inês Prata"))
    sign_in(client, "door")
    assert _check_in(client, "not a ticket")[0] == "unknown"
    forged = code[:9] + ("A" if code[9] != "A" else "B") + code[10:]
    kind, html = _check_in(client, forged)
    assert kind == "unknown"
    assert "Código desconhecido" in html
    assert _ticket(code).checked_in_at is None


def test_a_signed_code_without_its_ticket_is_unknown(client, db):
    sign_in(client, "door")
    assert _check_in(client, ticket_code("ABCDEFGH"))[0] == "unknown"


def test_an_empty_code_asks_for_one(client, db):
    sign_in(client, "door")
    answer = client.post("/staff/checkin", data={"code": "  "})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "data-checkin=" not in html
    assert "Escreva ou leia o código do bilhete." in html


def test_a_refunded_order_and_a_voided_seat_are_void(client, db):
    refunded = _order("Rita Conceição")
    commit_move(refunded.id, OrderStatus.REFUNDED, "refunded")
    [refunded_code] = _codes(refunded)
    kept, voided = _codes(_order("Ana Sousa", "Beatriz Lima"))
    _db.session.execute(
        update(Ticket).where(Ticket.ref == voided[:8]).values(voided_at=utcnow(), void_reason="x")
    )
    _db.session.commit()
    sign_in(client, "door")

    kind, html = _check_in(client, refunded_code)
    assert kind == "void" and 'data-checkin-reason="refunded"' in html
    assert "Não é válido: não deixar entrar" in html
    kind, html = _check_in(client, voided)
    assert kind == "void" and 'data-checkin-reason="voided"' in html
    assert "Beatriz Lima" in html
    assert _check_in(client, kept)[0] == "ok"
    assert _ticket(voided).checked_in_at is None


def test_an_unpaid_order_is_void_with_its_reason(client, db):
    [code] = _codes(_order("Carla Dias", pay=False))
    sign_in(client, "door")
    kind, html = _check_in(client, code)
    assert kind == "void"
    assert 'data-checkin-reason="unpaid"' in html
    assert "nunca foi paga" in html
    assert _ticket(code).checked_in_at is None


def test_the_door_finds_a_name_without_accents_and_checks_it_in(client, db):
    _order("João Conceição", "Joana Prata")
    _order("Rui Lopes", pay=False)
    sign_in(client, "door")
    html = client.get("/staff/checkin?q=joao conc").get_data(as_text=True)
    assert html.count("data-found-ticket=") == 1
    assert "João Conceição" in html and "Joana" not in html
    assert client.get("/staff/checkin?q=rui").get_data(as_text=True).count("data-found-ticket") == 0
    assert "data-found-none" in client.get("/staff/checkin?q=rui").get_data(as_text=True)

    both = client.get("/staff/checkin?q=jo").get_data(as_text=True)
    assert both.count("data-found-ticket=") == 2
    row = both[both.index("data-found-ticket=") :]
    code = re.search(r'name="code" value="([^"]+)"', row).group(1)
    action = re.search(r'<form method="post" action="([^"]+)"', row).group(1)
    answer = client.post(action.replace("&amp;", "&"), data={"code": code})
    html = answer.get_data(as_text=True)
    assert _answer(html) == "ok"
    # The search stays on the page, now showing who is in.
    assert html.count("data-found-ticket=") == 2
    assert html.count("data-found-in") == 1


def test_the_counts_are_checked_in_of_valid_tickets(client, db):
    first, _second = _codes(_order("Maria Sá", "Rui Lopes"))
    _order("Carla Dias", pay=False)
    commit_move(_order("Rita Conceição").id, OrderStatus.REFUNDED, "refunded")
    sign_in(client, "owner")

    def counts(html: str) -> tuple[str, str]:
        checked = re.search(r"data-checked-in>(\d+)<", html).group(1)
        expected = re.search(r"data-expected>(\d+)<", html).group(1)
        return checked, expected

    assert counts(client.get("/staff/checkin").get_data(as_text=True)) == ("0", "2")
    assert counts(_check_in(client, first)[1]) == ("1", "2")


def test_undo_within_five_minutes_lets_the_ticket_in_again_and_is_audited(client, db):
    [code] = _codes(_order("Maria Sá"))
    sign_in(client, "door")
    kind, html = _check_in(client, code)
    assert kind == "ok" and "data-checkin-undo" in html
    ref = re.search(r'name="ticket" value="([^"]+)"', html).group(1)

    undone = client.post("/staff/checkin/undo", data={"ticket": ref})
    assert undone.status_code == 200
    assert "data-checkin-undone" in undone.get_data(as_text=True)
    assert _ticket(code).checked_in_at is None
    assert _check_in(client, code)[0] == "ok"

    actions = _db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["ticket.checkin", "ticket.checkin_undo", "ticket.checkin"]
    entry = _db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).first()
    assert entry.staff_label == EMAILS["door"] and entry.staff_role == "door"
    assert entry.after == {"ticket": ref, "seat": 1}
    assert entry.order_id is not None
    # The log says which ticket, never whose name.
    assert "Maria" not in str(entry.before) + str(entry.after)


def test_undo_after_five_minutes_is_refused_with_a_message(client, db):
    [code] = _codes(_order("Maria Sá"))
    sign_in(client, "door")
    _check_in(client, code)
    _db.session.execute(
        update(Ticket)
        .where(Ticket.ref == code[:8])
        .values(checked_in_at=utcnow() - timedelta(minutes=5, seconds=5))
    )
    _db.session.commit()
    refused = client.post("/staff/checkin/undo", data={"ticket": code[:8]})
    assert refused.status_code == 422
    assert "data-undo-refused" in refused.get_data(as_text=True)
    assert "mais de 5 minutos" in refused.get_data(as_text=True)
    assert _ticket(code).checked_in_at is not None
    assert client.post("/staff/checkin/undo", data={"ticket": "ZZZZZZZZ"}).status_code == 422
    undo_entries = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ticket.checkin_undo")
    ).all()
    assert undo_entries == []


def test_marketing_may_not_check_in_and_the_door_and_owner_may(client, app, db):
    [code] = _codes(_order("Maria Sá"))
    sign_in(client, "marketing")
    assert client.get("/staff/checkin").status_code == 403
    assert client.post("/staff/checkin", data={"code": code}).status_code == 403
    assert client.post("/staff/checkin/undo", data={"ticket": code[:8]}).status_code == 403
    assert _ticket(code).checked_in_at is None
    for role in ("door", "owner"):
        browser = app.test_client()
        sign_in(browser, role)
        assert browser.get("/staff/checkin").status_code == 200
    assert app.test_client().get("/staff/checkin").status_code == 303


def test_the_door_lands_on_check_in_and_finds_it_in_the_menu(client, db):
    add_member(EMAILS["door"], "door")
    sign_in(client, "door")
    page = client.get("/staff/checkin").get_data(as_text=True)
    assert 'href="/staff/checkin" aria-current="page"' in page
    assert "data-checkin-form" in page and 'name="code"' in page


def test_the_form_needs_its_csrf_token_like_every_staff_form(csrf_client, db):
    [code] = _codes(_order("Maria Sá"))
    add_member(EMAILS["door"], "door")
    token = newest_link_token(EMAILS["door"])
    link_page = csrf_client.get(f"/staff/login/{token}").get_data(as_text=True)
    signed_in = csrf_client.post(
        f"/staff/login/{token}", data={"csrf_token": csrf_token(link_page)}
    )
    assert signed_in.status_code == 303
    assert csrf_client.post("/staff/checkin", data={"code": code}).status_code == 400
    assert _ticket(code).checked_in_at is None
    page = csrf_client.get("/staff/checkin").get_data(as_text=True)
    answer = csrf_client.post("/staff/checkin", data={"code": code, "csrf_token": csrf_token(page)})
    assert _answer(answer.get_data(as_text=True)) == "ok"


def test_the_check_in_page_alone_may_ask_for_the_camera(client, db):
    sign_in(client, "door")
    page = client.get("/staff/checkin")
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    assert "microphone=()" in page.headers["Permissions-Policy"]
    assert "camera=()" in client.get("/staff/attendees").headers["Permissions-Policy"]
    html = page.get_data(as_text=True)
    assert re.search(r'<script src="/static/built/checkin\.[0-9a-f]+\.js" defer nonce=', html)
    assert re.search(r'data-decoder="/static/built/jsqr\.[0-9a-f]+\.js"', html)
    # Written the way Talisman writes the shop's policy, with the camera alone loosened.
    assert page.headers["Permissions-Policy"] == permissions_policy_header(frozenset({"camera"}))
    assert client.get("/staff/attendees").headers["Permissions-Policy"] == (
        permissions_policy_header()
    )
    # Signed out, the redirect to the sign-in keeps every feature denied.
    anonymous = client.application.test_client().get("/staff/checkin")
    assert anonymous.status_code == 303
    assert "camera=()" in anonymous.headers["Permissions-Policy"]


def test_htmx_gets_the_answer_block_alone(client, db):
    [code] = _codes(_order("Maria Sá"))
    sign_in(client, "door")
    answer = client.post("/staff/checkin", data={"code": code}, headers={"HX-Request": "true"})
    html = answer.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="door"')
    assert _answer(html) == "ok"
    assert "data-scanner" not in html


def _actor(staff_id: int) -> Actor:
    return Actor(staff_id=staff_id, label=EMAILS["door"], role="door")


def test_many_phones_checking_one_ticket_in_at_once_let_it_in_once(app, db):
    """Every phone posts the same code at the same moment: exactly one "ok"."""
    [code] = _codes(_order("Maria Sá"))
    member = add_member(EMAILS["door"], "door")
    _db.session.commit()
    member_id = member.id
    phones = 12
    start_together = threading.Barrier(phones)

    def scan(_n: int) -> str:
        with app.app_context():
            # Each phone holds a pooled connection before the race starts.
            _db.session.execute(select(1))
            _db.session.commit()
            start_together.wait()
            try:
                return door.check_in(code, _actor(member_id)).kind
            finally:
                _db.session.remove()

    with ThreadPoolExecutor(max_workers=phones) as pool:
        kinds = list(pool.map(scan, range(phones)))

    assert kinds.count("ok") == 1, kinds
    assert kinds.count("already") == phones - 1, kinds
    _db.session.rollback()
    entries = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ticket.checkin")
    ).all()
    assert len(entries) == 1


def test_phones_racing_through_the_page_let_each_ticket_in_once(app, client, db):
    """Through the real endpoint: two tickets, eight phones each, all at once."""
    codes = _codes(_order("Maria Sá", "Rui Lopes"))
    add_member(EMAILS["door"], "door")
    browsers = []
    for _ in range(16):
        browser = app.test_client()
        sign_in(browser, "door")
        browsers.append(browser)
    start_together = threading.Barrier(len(browsers))

    def scan(n: int) -> str:
        start_together.wait()
        answer = browsers[n].post("/staff/checkin", data={"code": codes[n % 2]})
        return _answer(answer.get_data(as_text=True))

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        kinds = list(pool.map(scan, range(len(browsers))))

    assert kinds.count("ok") == 2, kinds
    assert kinds.count("already") == 14, kinds


def test_a_ticket_refunded_after_its_check_in_is_void_not_already(client, db):
    order = _order("Maria Sá")
    [code] = _codes(order)
    sign_in(client, "door")
    assert _check_in(client, code)[0] == "ok"
    commit_move(order.id, OrderStatus.REFUNDED, "refunded")
    kind, html = _check_in(client, code)
    assert kind == "void" and 'data-checkin-reason="refunded"' in html


def test_door_times_are_the_hour_on_the_day_and_the_date_otherwise(app):
    now = utcnow()
    with app.app_context():
        assert re.fullmatch(r"\d\d:\d\d", door_time(now))
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", door_time(now - timedelta(days=2)))
