"""Who may open what in the back office: nobody without a session, and each role only
what the permission table (app/staff/roles.py) gives it. Every staff route is walked
from the URL map, so a new page without a permission or an example fails here."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.audit.log import Actor
from app.catalog.discounts import DiscountCode
from app.catalog.export import event_as_data
from app.catalog.services import current_event
from app.extensions import db
from app.orders.placing import BuyerDetails
from app.orders.tickets import Ticket
from app.staff.event_editor import save_draft
from app.staff.guard import OPEN_ENDPOINTS
from app.staff.order_routes import ACTIONS
from app.staff.roles import PERMISSIONS, ROLES, can
from app.wording.messages import message_key
from tests.integration.helpers import paid_ticket
from tests.integration.staff_helpers import sign_in

BUYER = BuyerDetails("Rita Conceição", "rita@example.pt", "+351912345678", None, "pt_PT")


def staff_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff_")]


def _first_ticket(order_id: str) -> str:
    ticket = db.session.scalar(select(Ticket).where(Ticket.order_id == uuid.UUID(order_id)))
    return str(ticket.id) if ticket else str(uuid.uuid4())


def _path(rule, order_id: str, revision_id: int = 1, code_id: int = 1) -> str:
    values = {
        "order_id": order_id,
        "action": "refund",
        "message_id": 1,
        "token": "x",
        # A real message of the catalogs (the wording editor's pages are about one).
        "key": message_key("Get your ticket"),
        "revision_id": revision_id,
        # A page in both languages (the event's preview) is walked in each.
        **(rule.defaults or {}),
        "image_id": 1,
        # The order's first seat (a seat's refund page is about one ticket).
        "ticket_id": _first_ticket(order_id),
        "code_id": code_id,
    }
    return rule.build({k: values[k] for k in rule.arguments})[1]


def _event_draft() -> int:
    """A saved version of the event, so the editor's preview has something to show."""
    content = event_as_data(current_event())
    return save_draft(content, [], Actor(None, "test", "owner")).id


def _discount_code() -> int:
    """A code, so its page in the back office has something to show."""
    code = DiscountCode(code="PARCEIRO10", kind="percent", value=10, active=True, note="")
    db.session.add(code)
    db.session.commit()
    return code.id


def test_every_staff_page_redirects_to_the_sign_in_without_a_session(app, client, db):
    order = paid_ticket(BUYER)
    walked = 0
    for rule in staff_rules(app):
        if rule.endpoint in OPEN_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            answer = client.open(_path(rule, str(order.id)), method=method)
            assert answer.status_code == 303, (rule.rule, method, answer.status_code)
            assert answer.headers["Location"].startswith("/staff/login"), rule.rule
            assert "Rita" not in answer.get_data(as_text=True)
            walked += 1
    assert walked >= 10


def _permission_of(app, rule) -> str | None:
    view = app.view_functions[rule.endpoint]
    return getattr(view, "staff_permission", None)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_what_the_permission_table_gives_it(app, client, db, role):
    order = paid_ticket(BUYER)
    draft_id = _event_draft()
    code_id = _discount_code()
    sign_in(client, role)
    for rule in staff_rules(app):
        if rule.endpoint in OPEN_ENDPOINTS or "GET" not in rule.methods:
            continue
        if rule.endpoint == "staff_orders.act":
            for action, (permission, _label) in ACTIONS.items():
                answer = client.get(f"/staff/orders/{order.id}/{action}")
                assert (answer.status_code == 403) != can(role, permission), (role, action)
            continue
        permission = _permission_of(app, rule)
        assert permission in PERMISSIONS, f"{rule.rule} has no permission"
        answer = client.get(_path(rule, str(order.id), draft_id, code_id))
        if can(role, permission):
            assert answer.status_code == 200, (role, rule.rule, answer.status_code)
        else:
            assert answer.status_code == 403, (role, rule.rule, answer.status_code)


def test_a_door_member_cannot_refund(client, db):
    order = paid_ticket(BUYER)
    sign_in(client, "door")
    answer = client.post(f"/staff/orders/{order.id}/refund", data={"confirm": "y"})
    assert answer.status_code == 403
    assert "Não é para o seu papel" in answer.get_data(as_text=True)
    assert client.get(f"/staff/orders/{order.id}").status_code == 403


def test_staff_pages_are_never_cached_nor_indexed_and_carry_the_csp(client, db):
    sign_in(client, "owner")
    for path in ("/staff/", "/staff/orders", "/staff/login"):
        answer = client.get(path)
        assert answer.headers["Cache-Control"] == "no-store", path
        assert "noindex" in answer.headers["X-Robots-Tag"], path
        csp = answer.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "script-src" in csp, path
