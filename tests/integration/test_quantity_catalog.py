"""How many tickets one order may buy is the offer's: set in the back office's editor,
kept by publishing, written back by the export, refused outside 1 to 5."""

from __future__ import annotations

from sqlalchemy import select

from app.catalog.export import event_as_data
from app.catalog.models import Offer
from app.catalog.services import current_event
from app.extensions import db as _db
from app.orders.models import Order
from app.orders.placing import BuyerDetails
from tests.integration.helpers import paid_ticket
from tests.integration.staff_helpers import sign_in
from tests.integration.test_event_editor import _refused, editor_form


def test_the_editor_sets_tickets_per_order_and_publishing_applies_it(client, db):
    sign_in(client, "marketing")
    form = editor_form(client)
    assert form["offers.1.max_per_order"] == "5"
    _refused(
        client,
        {**form, "offers.1.max_per_order": "9"},
        "offers.1.max_per_order",
        "Bilhete 2 — bilhetes por encomenda: tem de ser um número inteiro de 1 a 5.",
        'value="9"',
    )
    assert (
        client.post("/staff/event", data={**form, "offers.1.max_per_order": "2"}).status_code == 303
    )
    draft = client.get("/staff/event/history").get_data(as_text=True)
    revision = int(draft.split("/staff/event/revisions/")[1].split("/")[0])
    assert client.post(f"/staff/event/revisions/{revision}/publish").status_code == 303
    _db.session.rollback()
    vip = _db.session.scalar(select(Offer).where(Offer.slug == "bilhete-vip"))
    assert vip.max_per_order == 2
    assert [o["max_per_order"] for o in event_as_data(current_event())["offers"]] == [5, 2]
    html = client.get("/checkout/bilhete-vip").get_data(as_text=True)
    assert 'value="3"' not in html.split('name="quantity"')[1].split("</select>")[0]


def test_the_attendee_list_counts_seats_not_orders(client, db):
    from_order = paid_ticket(
        BuyerDetails("Rita Conceição", "rita@example.pt", "+351912345678", None, "pt_PT")
    )
    assert from_order.quantity == 1
    form = {
        "quantity": "3",
        "attendees-0-name": "",
        "attendees-1-name": "Bruno Dias",
        "attendees-2-name": "Carla Nunes",
        "attendees-2-email": "carla@example.pt",
    }
    location = client.post(
        "/checkout/bilhete-geral",
        data={
            "name": "João Conceição",
            "email": "joao@example.pt",
            "phone": "912 345 678",
            "payment_method": "card",
            "accept_terms": "y",
            **form,
        },
    ).headers["Location"]
    client.post(location, data={"cardholder_name": "João"})
    sign_in(client, "owner")
    page = client.get("/staff/attendees").get_data(as_text=True)
    assert "4 bilhetes pagos" in page
    for name in ("Rita Conceição", "João Conceição", "Bruno Dias", "Carla Nunes"):
        assert name in page
    assert "carla@example.pt" in page
    joao = _db.session.scalar(select(Order).where(Order.quantity == 3))
    staff_order = client.get(f"/staff/orders/{joao.id}").get_data(as_text=True)
    assert "data-order-tickets>3 × Bilhete Geral<" in staff_order
    dashboard = client.get("/staff/").get_data(as_text=True)
    assert "data-sold>4<" in dashboard
