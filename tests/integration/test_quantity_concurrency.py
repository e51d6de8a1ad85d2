"""Many buyers at once for the last seats, each wanting several: the offer's row lock
counts seats, not orders, so an order of two never squeezes into one seat left. Run on
SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from sqlalchemy import func, select

from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.holds import seats_taken
from app.orders.models import Order
from app.orders.tickets import Ticket
from tests.integration.helpers import checkout_data, race_through_checkout, race_to_place


def _last_seats(slug: str, capacity: int) -> int:
    offer = _db.session.scalar(select(Offer).where(Offer.slug == slug))
    offer.capacity = capacity
    _db.session.commit()
    return offer.id


def _seats_and_tickets(offer_id: int) -> tuple[int, int]:
    _db.session.rollback()  # read what the buyers committed, not an older snapshot
    tickets = _db.session.scalar(
        select(func.count(Ticket.id)).join(Order).where(Order.offer_id == offer_id)
    )
    return seats_taken(offer_id), tickets


def test_buyers_of_two_racing_for_the_last_three_seats_never_oversell(app, db):
    offer_id = _last_seats("bilhete-vip", 3)
    buyers = 24
    results = race_to_place(app, buyers, lambda _n: offer_id, quantity=2)

    # One order of two; the seat left is too few for anyone else's two.
    assert results.count("ok") == 1, results
    assert results.count("not_enough_seats") == buyers - 1
    assert _seats_and_tickets(offer_id) == (2, 2)


def test_ones_and_twos_through_the_checkout_at_once_fill_the_seats_exactly(app, client):
    offer_id = _last_seats("bilhete-geral", 3)
    buyers = 30
    quantities = [1 + n % 2 for n in range(buyers)]
    forms = [
        checkout_data(
            email=f"buyer{n}@example.pt",
            checkout_key=f"race-{n}",
            quantity=str(quantity),
            **(
                {"attendees-0-name": "", "attendees-1-name": f"Amiga {chr(65 + n % 26)}"}
                if quantity == 2
                else {}
            ),
        )
        for n, quantity in enumerate(quantities)
    ]
    answers = [
        (quantity, status, body)
        for quantity, (status, body) in zip(
            quantities, race_through_checkout(app, forms), strict=True
        )
    ]

    held = sum(quantity for quantity, status, _ in answers if status == 303)
    assert held <= 3
    seats, tickets = _seats_and_tickets(offer_id)
    assert seats == tickets == held
    for quantity, status, body in answers:
        assert status in (303, 409), status
        if status == 409:
            # A clear answer, whichever it is: sold out, or not enough for this many.
            assert "data-sold-out" in body or ("data-not-enough-seats" in body and quantity == 2)
    # Ones keep coming while any seat is left: the room ends full.
    assert seats == 3
