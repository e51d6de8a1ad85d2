"""Placing orders and moving them through the state machine."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select

from app.catalog.models import Offer
from app.checkout.models import (
    Customer,
    JourneyStage,
    Order,
    OrderStatusChange,
    new_public_token,
)
from app.checkout.states import OrderStatus, TransitionRefused, check_transition
from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.money import vat_included
from app.privacy.crypto import current_keyring
from app.privacy.crypto import normalize_email as normalize_email
from app.timeutil import utcnow


class CheckoutError(Exception):
    """A domain reason the order cannot be placed; `code` names it for the page."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class BuyerDetails:
    name: str
    email: str
    phone: str
    nif: str | None
    locale: str


def find_customer_by_email(email: str) -> Customer | None:
    """The customer with this email in any case or spacing, found by its blind index; or None."""
    indexes = current_keyring().blind_indexes(email)
    found = list(db.session.scalars(select(Customer).where(Customer.email_index.in_(indexes))))
    # While a new blind index key is rolled out a row may still carry the previous
    # key's index; the current one wins.
    found.sort(key=lambda customer: indexes.index(customer.email_index))
    return found[0] if found else None


def upsert_customer(
    *, email: str, name: str, locale: str, phone: str | None = None, nif: str | None = None
) -> Customer:
    """The customer with this email, created or updated with the latest details (no commit)."""
    email = normalize_email(email)
    customer = find_customer_by_email(email)
    if customer is None:
        customer = Customer(email=email, name=name, locale=locale)
        db.session.add(customer)
    elif customer.email_index != current_keyring().blind_index(email):
        # Found under the previous blind index key: store it under the current one.
        customer.email = email
    customer.name = name
    customer.locale = locale
    if phone:
        customer.phone = phone
    if nif:
        customer.nif = nif
    return customer


def seats_taken(offer_id: int) -> int:
    """Seats sold or held by an order still waiting for its payment."""
    now = utcnow()
    return (
        db.session.scalar(
            select(func.count(Order.id)).where(
                Order.offer_id == offer_id,
                or_(
                    Order.status == OrderStatus.PAID,
                    (Order.status == OrderStatus.AWAITING_PAYMENT)
                    & or_(Order.expires_at.is_(None), Order.expires_at > now),
                ),
            )
        )
        or 0
    )


def seats_left(offer: Offer) -> int:
    """Seats still for sale on this offer, never below zero."""
    return max(0, offer.capacity - seats_taken(offer.id))


def place_order(
    offer_id: int,
    buyer: BuyerDetails,
    payment_method: str,
    provider: str,
    hold_seconds: int,
    checkout_key: str | None = None,
    ga_client_id: str | None = None,
) -> Order:
    """Create an order awaiting payment, holding a seat; raises CheckoutError if none is left.

    The offer row is locked while seats are counted, so two buyers can never take
    the same last seat; a checkout form sent twice returns the order it already made.
    """
    begin_locking_transaction()
    if checkout_key:
        existing = db.session.scalar(select(Order).where(Order.checkout_key == checkout_key))
        if existing is not None:
            db.session.rollback()
            return existing
    offer = db.session.scalar(
        select(Offer)
        .where(Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if offer is None or not offer.active:
        db.session.rollback()
        raise CheckoutError("offer_unavailable")
    if not offer.on_sale():
        db.session.rollback()
        raise CheckoutError("not_on_sale")
    if seats_taken(offer.id) >= offer.capacity:
        db.session.rollback()
        raise CheckoutError("sold_out")

    customer = upsert_customer(
        email=buyer.email, name=buyer.name, locale=buyer.locale, phone=buyer.phone, nif=buyer.nif
    )
    customer.advance_journey(JourneyStage.CHECKOUT)
    now = utcnow()
    order = Order(
        id=uuid.uuid4(),
        offer=offer,
        customer=customer,
        status=OrderStatus.AWAITING_PAYMENT,
        amount_cents=offer.price_cents,
        vat_cents=vat_included(offer.price_cents, offer.vat_rate),
        currency=offer.currency,
        payment_method=payment_method,
        provider=provider,
        billing_nif=buyer.nif,
        locale=buyer.locale,
        checkout_key=checkout_key or None,
        ga_client_id=ga_client_id,
        created_at=now,
        expires_at=now + timedelta(seconds=hold_seconds),
    )
    db.session.add(order)
    db.session.add(
        OrderStatusChange(
            order=order, from_status=None, to_status=order.status, reason="order_placed"
        )
    )
    db.session.commit()
    return order


def order_by_token(token: str) -> Order | None:
    """The order behind an order page's unguessable token."""
    return db.session.scalar(select(Order).where(Order.public_token == token))


def find_order(reference: str) -> Order | None:
    """An order by its id, the short reference shown to the buyer, or its page token."""
    reference = reference.strip()
    try:
        return db.session.get(Order, uuid.UUID(reference))
    except ValueError:
        pass
    if len(reference) == 8:
        # The page shows the first 8 hex digits of the id as the order's reference.
        matches = [
            order
            for order in db.session.scalars(select(Order)).all()
            if order.id.hex[:8] == reference.lower()
        ]
        if len(matches) == 1:
            return matches[0]
    return order_by_token(reference)


def lock_order(order_id: uuid.UUID) -> Order | None:
    """Start a locking transaction and lock the order's row (FOR UPDATE / BEGIN IMMEDIATE)."""
    begin_locking_transaction()
    return db.session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _lock_order_for_move(order_id: uuid.UUID, target: OrderStatus) -> Order:
    """Lock the order and check the move; roll back if it is missing or refused."""
    order = lock_order(order_id)
    if order is None:
        db.session.rollback()
        raise LookupError(f"no order {order_id}")
    try:
        check_transition(order.status, target)
    except TransitionRefused:
        db.session.rollback()
        raise
    return order


def _move(order: Order, target: OrderStatus, reason: str) -> None:
    """Set the new status and keep the move in the order's history (caller commits)."""
    db.session.add(
        OrderStatusChange(order=order, from_status=order.status, to_status=target, reason=reason)
    )
    order.status = target


def move_order(order: Order, target: OrderStatus, reason: str, **changes: object) -> None:
    """Apply one move to an order the caller has locked; raise TransitionRefused if barred.

    The caller commits (or rolls back) the transaction it locked the order in.
    """
    check_transition(order.status, target)
    _move(order, target, reason)
    for key, value in changes.items():
        setattr(order, key, value)
    if target == OrderStatus.PAID:
        order.paid_at = utcnow()
        order.customer.advance_journey(JourneyStage.PURCHASE)
        if not order.attendee_token:
            order.attendee_token = new_public_token()


def transition_order(
    order_id: uuid.UUID, target: OrderStatus, reason: str, **changes: object
) -> Order:
    """Apply one move of the state machine under a row lock; raise TransitionRefused if barred.

    Extra keyword arguments are written to the order in the same transaction.
    """
    order = _lock_order_for_move(order_id, target)
    move_order(order, target, reason, **changes)
    db.session.commit()
    return order


def expire_if_overdue(order: Order) -> Order:
    """Lazily expire an order whose payment window has passed; return it fresh."""
    if (
        order.status == OrderStatus.AWAITING_PAYMENT
        and order.expires_at is not None
        and order.expires_at <= utcnow()
    ):
        try:
            # The provider may still take money for it: the payments side closes it.
            return transition_order(
                order.id,
                OrderStatus.EXPIRED,
                "payment_window_passed",
                release_pending=order.provider_reference is not None,
            )
        except TransitionRefused:
            # Another request settled it first (paid or expired): read what it decided.
            db.session.rollback()
            db.session.refresh(order)
    return order


def expire_overdue_orders() -> int:
    """Expire every order whose payment window has passed; returns how many moved."""
    overdue = db.session.scalars(
        select(Order.id).where(
            Order.status == OrderStatus.AWAITING_PAYMENT, Order.expires_at <= utcnow()
        )
    ).all()
    moved = 0
    for order_id in overdue:
        order = db.session.get(Order, order_id)
        if order is not None and expire_if_overdue(order).status == OrderStatus.EXPIRED:
            moved += 1
    return moved


def retry_order(order_id: uuid.UUID, payment_method: str, hold_seconds: int) -> Order:
    """Give a failed or expired order a new payment attempt, if a seat is still free."""
    order = _lock_order_for_move(order_id, OrderStatus.AWAITING_PAYMENT)
    if order.release_pending:
        # The last attempt may still be paid at the provider: never open a second one.
        db.session.rollback()
        raise CheckoutError("previous_payment_open")
    offer = db.session.scalar(select(Offer).where(Offer.id == order.offer_id).with_for_update())
    if offer is None or not offer.on_sale():
        db.session.rollback()
        raise CheckoutError("not_on_sale")
    if seats_taken(order.offer_id) >= offer.capacity:
        db.session.rollback()
        raise CheckoutError("sold_out")
    _move(order, OrderStatus.AWAITING_PAYMENT, "payment_retried")
    order.payment_method = payment_method
    order.attempt += 1
    order.failure_reason = None
    order.provider_reference = None
    order.payment_intent_id = None
    order.payment_url = None
    order.multibanco_entity = None
    order.multibanco_reference = None
    order.expires_at = utcnow() + timedelta(seconds=hold_seconds)
    db.session.commit()
    return order
