"""The waiting list from the buyer's side and the clock's: joining (once), the sold-out
landing and checkout offering it, a freed seat offered to the first person by email and
held for them, claimed within its deadline or passed to the next, leaving, and the back
office's view of it by role."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from app.catalog.models import Offer
from app.extensions import db as _db
from app.orders.freed_seats import offer_freed_seats
from app.orders.holds import seats_left, seats_taken
from app.orders.models import Order
from app.orders.moves import commit_move
from app.orders.placing import BuyerDetails, OrderRefused, PaymentChoice, place_order
from app.orders.states import OrderStatus
from app.privacy.erasure import erase_person
from app.privacy.export import export_person
from app.timeutil import utcnow
from app.waitlist.models import PlaceState, SeatOffer, WaitlistEntry
from tests.integration.helpers import (
    checkout_data,
    deliver_until_settled,
    paid_ticket,
    read_eml,
)
from tests.integration.staff_helpers import sign_in

SLUG = "bilhete-geral"
PREFIX = f"waitlist-{SLUG}-"


def _offer() -> Offer:
    return _db.session.scalar(select(Offer).where(Offer.slug == SLUG))


def _buyer(n: int) -> BuyerDetails:
    return BuyerDetails(f"Comprador {n}", f"buyer{n}@example.pt", "+351912345678", None, "pt_PT")


def sell_out(seats: int = 1) -> list[Order]:
    """The General ticket with `seats` seats, all paid."""
    offer = _offer()
    offer.capacity = seats
    _db.session.commit()
    return [paid_ticket(_buyer(n)) for n in range(seats)]


def join_data(name: str = "Inês Lista", email: str = "ines@example.pt", **extra: str):
    return {f"{PREFIX}name": name, f"{PREFIX}email": email, **extra}


def join(client, lang: str = "", **fields: str):
    return client.post(f"{lang}/waitlist/{SLUG}", data=join_data(**fields))


def entries() -> list[WaitlistEntry]:
    _db.session.rollback()
    return list(_db.session.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id)))


def refund(order: Order) -> None:
    commit_move(order.id, OrderStatus.REFUNDED, "refunded", refunded_cents=order.amount_cents)


def claim_link(shop, email: str) -> str:
    """The claim link in the newest email to `email`, as a path on the shop."""
    deliver_until_settled("email")
    letters = [m for m in read_eml(shop.mail) if email in m["To"]]
    assert letters, f"no email to {email}"
    text = letters[-1].get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"http://shop\.test(/\S*checkout/\S+claim=\S+)", text)
    assert found, text
    return found.group(1)


def test_the_sold_out_landing_and_checkout_show_the_waiting_list_with_its_consent(client):
    sell_out()
    landing = client.get("/").text
    assert f'data-waitlist-form="{SLUG}"' in landing
    assert "data-waitlist-consent" in landing
    checkout = client.get(f"/en/checkout/{SLUG}").text
    assert "data-sold-out" in checkout
    assert f'data-waitlist-form="{SLUG}"' in checkout
    assert "one email, when a seat frees up" in checkout
    assert 'name="payment_method"' not in checkout


def test_joining_twice_keeps_one_place_and_bad_input_is_refused_kept(client):
    sell_out()
    first = join(client)
    assert first.status_code == 303
    assert first.headers["Location"].endswith(f"/waitlist/{SLUG}/joined")
    assert "data-waitlist-joined" in client.get(first.headers["Location"]).text
    again = join(client, email=" INES@example.pt ", name="Outra Pessoa")
    assert again.status_code == 303
    places = entries()
    assert len(places) == 1
    assert (places[0].name, places[0].email, places[0].state) == (
        "Inês Lista",
        "ines@example.pt",
        "waiting",
    )
    assert places[0].consent_version and places[0].consented_at

    bad = join(client, "/en", email="ines@")
    assert bad.status_code == 422
    assert 'value="ines@"' in bad.text and 'value="Inês Lista"' in bad.text
    assert "does not look right" in bad.text


def test_with_htmx_the_form_gives_way_to_the_note_in_place(client):
    sell_out()
    answer = client.post(f"/waitlist/{SLUG}", data=join_data(), headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "data-waitlist-joined" in answer.text and "<html" not in answer.text


def test_a_freed_seat_goes_to_the_first_person_waiting_and_is_held_for_them(client, shop):
    [order] = sell_out()
    join(client, email="first@example.pt", name="Primeira Pessoa")
    join(client, email="second@example.pt", name="Segunda Pessoa")
    assert offer_freed_seats().offered == 0  # nothing free yet

    refund(order)
    offer = _offer()
    # Freed, but the people waiting come first: not for sale even before the clock runs.
    assert seats_left(offer) == 0
    turn = offer_freed_seats()
    assert turn.offered == 1
    first, second = entries()
    assert (first.state, second.state) == ("offered", "waiting")
    assert seats_taken(offer.id) == 1 and seats_left(offer) == 0
    # Another buyer sees sold out, and is refused.
    assert "data-sold-out" in client.get(f"/checkout/{SLUG}").text
    refused = client.post(f"/checkout/{SLUG}", data=checkout_data(email="other@example.pt"))
    assert refused.status_code == 409 and "data-sold-out" in refused.text
    # A second turn offers nothing more: the seat is held.
    assert offer_freed_seats().offered == 0
    # The dashboard counts it held too, not free (the public page says sold out).
    sign_in(client, "owner")
    seats_card = client.get("/staff/").text.split("data-held>", 2)
    assert [card.split("<", 1)[0] for card in seats_card[1:]] == ["1", "0"]

    link = claim_link(shop, "first@example.pt")
    page = client.get(link)
    assert page.status_code == 200
    assert "data-claim" in page.text and 'value="first@example.pt"' in page.text
    assert "readonly" in page.text
    # The claim holds one seat: the page offers no quantity to choose, and asks one name.
    assert 'name="quantity" value="1"' in page.text and "<select" not in page.text
    # Someone else's email typed into the form does not change whose seat it is.
    form = checkout_data(email="intruder@example.pt", name="Primeira Pessoa")
    form["claim"] = link.split("claim=")[1]
    bought = client.post(f"/checkout/{SLUG}", data=form)
    assert bought.status_code == 303, bought.text
    _db.session.rollback()
    claimed = _db.session.scalar(select(SeatOffer))
    assert claimed.claimed_at is not None
    new_order = _db.session.get(Order, claimed.order_id)
    assert new_order.email_on_order == "first@example.pt" and new_order.quantity == 1
    assert entries()[0].state == "claimed"
    assert seats_taken(offer.id) == 1
    # The link is used: it opens the plain sold-out checkout, and cannot buy again.
    again = client.post(f"/checkout/{SLUG}", data={**form, "checkout_key": "another"})
    assert again.status_code == 409 and "data-claim-gone" in again.text


def test_the_update_button_on_a_claim_keeps_the_held_seat(client, shop):
    """Without JavaScript, "Update" posts the form to its own address: the claim goes
    with it, and the page comes back as the claimant's, not as "your seat is gone"."""
    [order] = sell_out()
    join(client, email="first@example.pt", name="Primeira Pessoa")
    refund(order)
    offer_freed_seats()
    link = claim_link(shop, "first@example.pt")
    form = checkout_data(name="Primeira Pessoa", email="first@example.pt")
    form.update(claim=link.split("claim=")[1], update="1", quantity="1")
    page = client.post(f"/checkout/{SLUG}/quantity", data=form)
    assert page.status_code == 200
    assert "data-claim-gone" not in page.text and "data-sold-out" not in page.text
    assert "data-claim" in page.text and 'value="first@example.pt"' in page.text


def test_an_unclaimed_seat_passes_to_the_next_person_after_its_deadline(client, shop, app):
    [order] = sell_out()
    join(client, email="first@example.pt")
    join(client, email="second@example.pt")
    refund(order)
    start = utcnow()
    with time_machine.travel(start, tick=False) as clock:
        offer_freed_seats()
        link = claim_link(shop, "first@example.pt")
        clock.shift(timedelta(hours=app.config["WAITLIST_CLAIM_HOURS"], minutes=1))
        turn = offer_freed_seats()
        assert (turn.passed, turn.offered) == (1, 1)
        first, second = entries()
        assert (first.state, second.state) == ("passed", "offered")
        # The first link no longer holds anything.
        page = client.get(link).text
        assert "data-claim>" not in page and "data-claim-gone" in page
        assert "data-sold-out" in page
        assert claim_link(shop, "second@example.pt")


def test_leaving_from_the_email_frees_the_held_seat_for_the_next(client, shop):
    [order] = sell_out()
    join(client, email="first@example.pt")
    join(client, email="second@example.pt")
    refund(order)
    offer_freed_seats()
    deliver_until_settled("email")
    letter = [m for m in read_eml(shop.mail) if "first@example.pt" in m["To"]][-1]
    text = letter.get_body(preferencelist=("plain",)).get_content()
    leave = re.search(r"http://shop\.test(/\S*waitlist/leave/\S+)", text).group(1)
    # Opening the link (a mail scanner would) takes nobody off.
    assert client.get(leave).status_code == 200
    assert entries()[0].state == "offered"
    assert client.post(leave).status_code == 303
    assert "data-waitlist-left" in client.get(leave).text
    assert entries()[0].state == "left"
    assert offer_freed_seats().offered == 1
    assert entries()[1].state == "offered"
    # Joining again goes to the back of the queue.
    join(client, email="first@example.pt")
    assert entries()[0].state == "waiting"


def test_raising_the_capacity_offers_the_new_seats_to_the_list_first(client):
    sell_out()
    join(client, email="first@example.pt")
    offer = _offer()
    offer.capacity = 3
    _db.session.commit()
    # Two new seats, one person waiting: one for the public, one held for the list.
    assert seats_left(offer) == 1
    assert offer_freed_seats().offered == 1
    assert seats_left(_offer()) == 1


def test_a_claim_is_only_for_its_person_and_a_public_buyer_cannot_take_the_held_seat(client):
    [order] = sell_out()
    join(client, email="first@example.pt")
    refund(order)
    offer_freed_seats()
    held = _db.session.scalar(select(SeatOffer))
    offer_id = held.offer_id
    payment = PaymentChoice("card", "demo", 900)
    try:
        place_order(offer_id, _buyer(9), payment)
        raise AssertionError("sold a held seat")
    except OrderRefused as refused:
        assert refused.code == "sold_out"
    try:
        place_order(offer_id, _buyer(9), payment, claim=held.id)
        raise AssertionError("someone else used the claim")
    except OrderRefused as refused:
        assert refused.code == "claim_unavailable"
    claimant = BuyerDetails("Primeira", "First@Example.pt", "+351912345678", None, "pt_PT")
    order = place_order(offer_id, claimant, payment, claim=held.id, quantity=3)
    assert order.quantity == 1
    assert _db.session.scalar(select(func.count(Order.id)).where(Order.offer_id == offer_id)) == 2


def test_the_back_office_shows_each_list_to_owner_and_marketing_not_door(app, client):
    [order] = sell_out()
    join(client, email="first@example.pt", name="Primeira Pessoa")
    join(client, email="second@example.pt", name="Segunda Pessoa")
    refund(order)
    offer_freed_seats()

    owner = sign_in(app.test_client(), "owner")
    page = owner.get("/staff/waitlist")
    assert page.status_code == 200
    assert f'data-waitlist="{SLUG}"' in page.text
    assert 'data-state="offered"' in page.text and 'data-state="waiting"' in page.text
    assert "first@example.pt" in page.text and "Primeira Pessoa" in page.text

    marketing = sign_in(app.test_client(), "marketing")
    seen = marketing.get("/staff/waitlist")
    assert seen.status_code == 200
    assert 'data-state="offered"' in seen.text
    assert "first@example.pt" not in seen.text and "Primeira Pessoa" not in seen.text

    door = sign_in(app.test_client(), "door")
    assert door.get("/staff/waitlist").status_code == 403


def test_the_place_is_in_the_export_and_goes_with_the_erasure(client):
    sell_out()
    join(client, email="first@example.pt")
    place = entries()[0]
    data = export_person(place.customer_id)
    assert data["waiting_lists"][0]["email"] == "first@example.pt"
    assert data["waiting_lists"][0]["state"] == PlaceState.WAITING
    erase_person(place.customer_id, notify=False, reason="test")
    assert entries() == []
