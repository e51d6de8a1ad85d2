"""Placing an order (which holds a seat) and giving a failed one a new payment attempt.

The offer's row is locked while seats are counted, so two buyers can never take the
same last seat. Both functions commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.analytics.journeys import Journey
from app.catalog.discounts import DiscountCode
from app.catalog.models import Offer
from app.customers.models import Customer, JourneyStage
from app.customers.services import find_customer_by_email, find_or_add_customer
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.orders.coupons import CodeRefused, usable_code, uses_of
from app.orders.holds import holding, seats_left
from app.orders.methods import instalments
from app.orders.models import Order, OrderStatusChange
from app.orders.moves import lock_for_move, move
from app.orders.pricing import price_of
from app.orders.states import OrderStatus
from app.orders.tickets import Ticket
from app.timeutil import utcnow
from app.waitlist.claims import ClaimRefused, mark_claimed, use_claim
from app.waitlist.models import SeatOffer


class OrderRefused(Exception):
    """A reason the order cannot be placed or retried; `code` names it for the page.

    Codes: offer_unavailable, not_on_sale, sold_out, not_enough_seats (fewer left than
    asked), previous_payment_open, too_many_open_orders, claim_unavailable (the seat held
    for a person on the waiting list is gone, or not theirs), and a discount code's
    refusals (promo_unknown, promo_early, promo_expired, promo_other_offer,
    promo_used_up: see orders/coupons.py).
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Attendee:
    """Who sits in one seat of the order; the email, if given, receives that ticket."""

    name: str
    email: str | None = None


@dataclass(frozen=True)
class BuyerDetails:
    name: str
    email: str
    phone: str
    nif: str | None
    locale: str
    # The anonymous id of the cookie choices made in this browser, if any.
    consent_id: str | None = None
    # An HMAC of the network address the order came from (for the open-orders cap).
    client_key: str | None = None
    # The landing headline the buyer saw (A/B variant), for the funnel.
    headline_variant: str | None = None
    # Where the visit came from and how far it went (analytics/journeys.py).
    journey: Journey | None = None
    # An invoice to a company: its name and "street\npostcode\ncity" (its NIF is `nif`).
    company_name: str | None = None
    company_address: str | None = None
    # One per seat, in order; a seat without one is in the buyer's name.
    attendees: tuple[Attendee, ...] = ()


@dataclass(frozen=True)
class PaymentChoice:
    """How the buyer pays: the method, the provider that takes it, and how long the seat is held."""

    method: str
    provider: str
    hold_seconds: int


def _lock_offer(offer_id: int) -> Offer | None:
    """Lock the offer's row: checkouts of one offer take their turn from here on."""
    return db.session.scalar(
        select(Offer)
        .where(Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _check_seats(offer: Offer | None, quantity: int) -> Offer:
    """The locked offer, if it is on sale with `quantity` seats free; OrderRefused otherwise."""
    if offer is None or not offer.active:
        raise OrderRefused("offer_unavailable")
    if not offer.on_sale():
        raise OrderRefused("not_on_sale")
    left = seats_left(offer)
    if left <= 0:
        raise OrderRefused("sold_out")
    if left < quantity:
        raise OrderRefused("not_enough_seats")
    return offer


def _held_seat(offer: Offer | None, seat_offer_id: int, email: str) -> SeatOffer:
    """The seat held on the waiting list for this person (the offer's lock is held): it
    is theirs whatever the seats left, and nobody else's."""
    if offer is None or not offer.on_sale():
        raise OrderRefused("not_on_sale")
    try:
        return use_claim(seat_offer_id, offer.id, email)
    except ClaimRefused:
        raise OrderRefused("claim_unavailable") from None


def _usable_code(promo_code: str | None, offer: Offer) -> DiscountCode | None:
    """The typed code, locked and checked for this offer (None if nothing was typed)."""
    try:
        return usable_code(promo_code, offer, lock=True)
    except CodeRefused as refused:
        raise OrderRefused(refused.code) from None


def _check_code_still_free(order: Order) -> None:
    """A retried order takes its code's use again: refuse if others used it up since."""
    code = order.discount_code
    if code is None or code.max_uses is None:
        return
    locked = db.session.scalar(
        select(DiscountCode).where(DiscountCode.id == code.id).with_for_update()
    )
    if locked is not None and uses_of(locked.id) >= (locked.max_uses or 0):
        raise OrderRefused("promo_used_up")


def _lock_offer_with_seats(offer_id: int, quantity: int) -> Offer:
    """Lock the offer and check its seats are free (inside a locking transaction)."""
    return _check_seats(_lock_offer(offer_id), quantity)


def _open_orders(customer_id: int | None, client_key: str | None) -> tuple[int, int]:
    """Orders still holding a seat, for this person and for this network address."""
    waiting = holding(utcnow())
    by_person = (
        db.session.scalar(
            select(func.count(Order.id)).where(waiting, Order.customer_id == customer_id)
        )
        if customer_id is not None
        else 0
    )
    by_address = (
        db.session.scalar(
            select(func.count(Order.id)).where(waiting, Order.client_key == client_key)
        )
        if client_key
        else 0
    )
    return by_person or 0, by_address or 0


def _open_orders_of(buyer: BuyerDetails) -> tuple[int, int]:
    """Orders still holding a seat for this person and for this address, counted before
    the offer's lock is taken (see place_order)."""
    customer = find_customer_by_email(buyer.email)
    return _open_orders(customer.id if customer else None, buyer.client_key)


def _check_open_orders(open_orders: tuple[int, int], limit: int) -> None:
    """Refuse a new hold when this person or this address already holds `limit` of them."""
    if max(open_orders) >= limit:
        raise OrderRefused("too_many_open_orders")


def _order_with_key(checkout_key: str | None) -> Order | None:
    if not checkout_key:
        return None
    return db.session.scalar(select(Order).where(Order.checkout_key == checkout_key))


def _new_order(
    offer: Offer,
    customer: Customer,
    buyer: BuyerDetails,
    payment: PaymentChoice,
    checkout_key: str | None,
    ga_client_id: str | None,
    quantity: int,
    code: DiscountCode | None = None,
) -> Order:
    """The order awaiting payment, its tickets and the first line of its history (added,
    not committed)."""
    now = utcnow()
    price = price_of(offer, quantity, code, now)
    order = Order(
        id=uuid.uuid4(),
        offer=offer,
        customer=customer,
        status=OrderStatus.AWAITING_PAYMENT,
        quantity=quantity,
        amount_cents=price.total_cents,
        vat_cents=price.vat_cents,
        list_unit_cents=price.list_unit_cents,
        discount_code=code if price.coupon else None,
        coupon_code=price.coupon,
        discount_cents=price.discount_cents,
        currency=offer.currency,
        payment_method=payment.method,
        provider=payment.provider,
        installments=instalments(payment.method),
        billing_nif=buyer.nif,
        buyer_name=buyer.name,
        buyer_phone=buyer.phone or None,
        locale=buyer.locale,
        checkout_key=checkout_key or None,
        ga_client_id=ga_client_id,
        client_key=buyer.client_key,
        headline_variant=buyer.headline_variant,
        first_source=buyer.journey.first_source if buyer.journey else None,
        first_campaign=buyer.journey.first_campaign if buyer.journey else None,
        journey=buyer.journey.record if buyer.journey else None,
        company_name=buyer.company_name,
        company_address=buyer.company_address,
        created_at=now,
        expires_at=now + timedelta(seconds=payment.hold_seconds),
    )
    db.session.add(order)
    order.tickets = _tickets(buyer, quantity)
    db.session.add(
        OrderStatusChange(
            order=order, from_status=None, to_status=order.status, reason="order_placed"
        )
    )
    return order


def _tickets(buyer: BuyerDetails, quantity: int) -> list[Ticket]:
    """One ticket per seat, each in its attendee's name (the buyer's where none was given)."""
    tickets = []
    for position in range(1, quantity + 1):
        given = buyer.attendees[position - 1] if position <= len(buyer.attendees) else None
        tickets.append(
            Ticket(
                position=position,
                attendee_name=given.name if given and given.name else buyer.name,
                attendee_email=given.email if given and given.email else None,
            )
        )
    return tickets


def _customer_checking_out(buyer: BuyerDetails) -> Customer:
    """The person placing the order (found by email, or added), at the checkout stage."""
    customer, _created = find_or_add_customer(
        email=buyer.email,
        name=buyer.name,
        locale=buyer.locale,
        phone=buyer.phone,
        nif=buyer.nif,
        consent_id=buyer.consent_id,
    )
    customer.advance_journey(JourneyStage.CHECKOUT)
    return customer


def place_order(
    offer_id: int,
    buyer: BuyerDetails,
    payment: PaymentChoice,
    checkout_key: str | None = None,
    ga_client_id: str | None = None,
    open_orders_limit: int = 2,
    quantity: int = 1,
    claim: int | None = None,
    promo_code: str | None = None,
) -> Order:
    """Create an order awaiting payment, holding `quantity` seats; raises OrderRefused if
    they are not left, or if this person or address already holds `open_orders_limit`
    unpaid orders.

    A checkout form sent twice (a double tap, two tabs) returns the order it already
    made: the key is looked up once the offer's lock is held, so the second submit waits
    for the first and finds its order instead of colliding with it.

    With `claim` (a waiting-list seat offer's id), the order takes the seat held for
    the buyer instead of one for sale (one seat; OrderRefused "claim_unavailable").

    A `promo_code` typed is checked and its uses counted under its own row lock, taken
    after the offer's in this same transaction: a code's last use goes to one order.
    """
    begin_locking_transaction()
    # Counted before the lock, which every checkout of the offer queues on: the cap
    # guards against hoarding (two orders at one instant may both pass), seats do not.
    open_orders = _open_orders_of(buyer)
    offer = _lock_offer(offer_id)
    existing = _order_with_key(checkout_key)
    if existing is not None:
        db.session.rollback()
        return existing
    try:
        held = None if claim is None else _held_seat(offer, claim, buyer.email)
        offer = _check_seats(offer, quantity) if held is None else held.offer
        # A held seat is one seat: a claim buys exactly one ticket.
        quantity = quantity if held is None else 1
        code = _usable_code(promo_code, offer)
        _check_open_orders(open_orders, open_orders_limit)
    except OrderRefused:
        db.session.rollback()
        raise
    customer = _customer_checking_out(buyer)
    order = _new_order(offer, customer, buyer, payment, checkout_key, ga_client_id, quantity, code)
    if held is not None:
        mark_claimed(held, order.id)
    try:
        db.session.commit()
    except IntegrityError:
        # The same key committed between our look and our write (another offer's lock
        # does not cover it): that order is the one this form made.
        db.session.rollback()
        existing = _order_with_key(checkout_key)
        if existing is None:
            raise
        return existing
    return order


def retry_order(order_id: uuid.UUID, payment: PaymentChoice) -> Order:
    """Give a failed or expired order a new payment attempt, if its seats are still free.

    Raises MoveRefused when the order is not failed or expired (paid, or waiting).
    """
    order = lock_for_move(order_id, OrderStatus.AWAITING_PAYMENT)
    try:
        if order.release_pending:
            # The last attempt may still be paid at the provider: never open a second one.
            raise OrderRefused("previous_payment_open")
        _lock_offer_with_seats(order.offer_id, order.quantity)
        _check_code_still_free(order)
    except OrderRefused as refused:
        db.session.rollback()
        # An inactive offer is as closed to a retry as one whose sales ended.
        raise OrderRefused(
            "not_on_sale" if refused.code == "offer_unavailable" else refused.code
        ) from None
    move(
        order,
        OrderStatus.AWAITING_PAYMENT,
        "payment_retried",
        payment_method=payment.method,
        provider=payment.provider,
        installments=instalments(payment.method),
        attempt=order.attempt + 1,
        failure_reason=None,
        provider_reference=None,
        payment_intent_id=None,
        payment_url=None,
        multibanco_entity=None,
        multibanco_reference=None,
        expires_at=utcnow() + timedelta(seconds=payment.hold_seconds),
    )
    db.session.commit()
    return order
