"""Races around a seat held for the waiting list: the offer's row lock must never let it
be used twice nor sold to someone else (run on SQLite and on PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.freed_seats import offer_freed_seats
from app.orders.holds import seats_taken
from app.orders.models import Order
from app.orders.moves import commit_move
from app.orders.placing import BuyerDetails, OrderRefused, PaymentChoice, place_order
from app.orders.states import OrderStatus
from app.waitlist.models import SeatOffer, WaitlistEntry
from app.waitlist.services import Joiner, join
from tests.integration.helpers import paid_ticket

PAYMENT = PaymentChoice("card", "demo", 900)
CLAIMANT = BuyerDetails("Primeira Pessoa", "first@example.pt", "+351912345678", None, "pt_PT")


def _held_seat_for_first_in_line() -> tuple[int, int]:
    """The General ticket sold out at one seat, refunded, and offered to the first person
    waiting: (offer id, seat offer id)."""
    offer = _db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    offer.capacity = 1
    _db.session.commit()
    offer_id = offer.id
    sold = paid_ticket(BuyerDetails("Antes", "before@example.pt", "+351912345678", None, "pt_PT"))
    join(offer_id, Joiner(email=CLAIMANT.email, name=CLAIMANT.name, locale="pt_PT"))
    join(offer_id, Joiner(email="second@example.pt", name="Segunda", locale="pt_PT"))
    commit_move(sold.id, OrderStatus.REFUNDED, "refunded", refunded_cents=sold.amount_cents)
    assert offer_freed_seats().offered == 1
    return offer_id, _db.session.scalar(select(SeatOffer.id))


def _race(app, attempts: list[Callable[[], Order]]) -> list[str]:
    start_together = threading.Barrier(len(attempts))

    def run(attempt: Callable[[], Order]) -> str:
        with app.app_context():
            _db.session.execute(select(1))
            _db.session.commit()
            start_together.wait()
            try:
                attempt()
                return "ok"
            except OrderRefused as refused:
                return refused.code
            finally:
                _db.session.remove()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(run, attempts))


def _orders(offer_id: int) -> int:
    _db.session.rollback()
    return _db.session.scalar(
        select(func.count(Order.id)).where(
            Order.offer_id == offer_id, Order.status == OrderStatus.AWAITING_PAYMENT
        )
    )


def test_two_claims_of_one_held_seat_make_one_order(app, db):
    offer_id, held = _held_seat_for_first_in_line()
    claims = [
        lambda n=n: place_order(offer_id, CLAIMANT, PAYMENT, checkout_key=f"tab-{n}", claim=held)
        for n in range(6)
    ]
    results = _race(app, claims)
    assert results.count("ok") == 1, results
    assert results.count("claim_unavailable") == 5
    assert _orders(offer_id) == 1
    assert seats_taken(offer_id) == 1


def test_the_claimant_and_public_buyers_racing_for_the_last_seat_never_oversell(app, db):
    offer_id, held = _held_seat_for_first_in_line()
    public = [
        lambda n=n: place_order(
            offer_id,
            BuyerDetails(f"Público {n}", f"p{n}@example.pt", "+351912345678", None, "pt_PT"),
            PAYMENT,
        )
        for n in range(10)
    ]
    claim = [lambda: place_order(offer_id, CLAIMANT, PAYMENT, claim=held)]
    results = _race(app, claim + public)
    assert results[0] == "ok", results
    assert results[1:] == ["sold_out"] * 10
    assert _orders(offer_id) == 1
    assert seats_taken(offer_id) == 1


def test_a_clock_turn_and_a_claim_at_once_neither_double_offer_nor_lose_the_seat(app, db):
    offer_id, held = _held_seat_for_first_in_line()
    results = _race(
        app,
        [
            lambda: place_order(offer_id, CLAIMANT, PAYMENT, claim=held),
            offer_freed_seats,
            offer_freed_seats,
        ],
    )
    assert results[0] == "ok", results
    _db.session.rollback()
    # The seat went to the claimant's order; nobody else was offered one.
    assert _db.session.scalar(select(func.count(SeatOffer.id))) == 1
    assert seats_taken(offer_id) == 1


def test_one_person_joining_many_times_at_once_keeps_one_place(app, db):
    offer_id = _db.session.scalar(select(Offer.id).where(Offer.slug == "bilhete-geral"))
    joins = [
        lambda n=n: join(
            offer_id, Joiner(email=" Same@Example.pt ", name=f"Pessoa {n}", locale="pt_PT")
        )
        for n in range(8)
    ]
    assert _race(app, joins) == ["ok"] * 8
    _db.session.rollback()
    assert _db.session.scalar(select(func.count(WaitlistEntry.id))) == 1
