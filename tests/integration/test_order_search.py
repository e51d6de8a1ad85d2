"""Finding an order in the back office as the team types: a name without its accents,
the name of any attendee on the order, and the reference as the pages show it ("#" and
all, in any case)."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.models import Order
from app.orders.moves import commit_move
from app.orders.placing import Attendee, BuyerDetails, PaymentChoice, place_order
from app.orders.states import OrderStatus
from tests.integration.helpers import paid_ticket
from tests.integration.staff_helpers import sign_in

JOAO = BuyerDetails(
    "João Gonçalves",
    "joao@example.pt",
    "+351961234567",
    None,
    "pt_PT",
    attendees=(Attendee("João Gonçalves"), Attendee("Carla Mendes")),
)
RITA = BuyerDetails("Rita Conceição", "rita@example.pt", "+351912345678", None, "pt_PT")


def _paid_two_seats(buyer: BuyerDetails) -> Order:
    offer = _db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    order = place_order(offer.id, buyer, PaymentChoice("card", "demo", 900), quantity=2)
    return commit_move(order.id, OrderStatus.PAID, "payment_succeeded")


def _found(client, query: str) -> set[str]:
    page = client.get("/staff/orders", query_string={"q": query}).get_data(as_text=True)
    return set(re.findall(r'data-order-ref="([0-9A-F]{8})"', page))


def _ref(order: Order) -> str:
    return order.id.hex[:8].upper()


def test_a_name_is_found_without_its_accents_and_in_any_case(client, db):
    joao, rita = _paid_two_seats(JOAO), paid_ticket(RITA)
    sign_in(client, "owner")
    for query in ("joao", "Goncalves", "JOAO GONCALVES", "gonçalves joão", "conceicao"):
        expected = {_ref(rita)} if query == "conceicao" else {_ref(joao)}
        assert _found(client, query) == expected, query
    assert _found(client, "joao mendes") == set()


def test_an_attendee_on_the_order_finds_it(client, db):
    joao, _rita = _paid_two_seats(JOAO), paid_ticket(RITA)
    sign_in(client, "owner")
    for query in ("Carla Mendes", "carla", "MENDES"):
        assert _found(client, query) == {_ref(joao)}, query


def test_the_reference_as_shown_with_its_hash_and_in_lower_case(client, db):
    joao, rita = _paid_two_seats(JOAO), paid_ticket(RITA)
    sign_in(client, "owner")
    for query in (f"#{_ref(joao)}", f"#{_ref(joao).lower()}", f" # {_ref(joao)} ", _ref(joao)):
        assert _found(client, query) == {_ref(joao)}, query
    assert _found(client, f"#{rita.id}") == {_ref(rita)}
