"""Orders and their status history: what was bought, by whom, and how it was paid."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.catalog.discounts import DiscountCode
from app.catalog.models import Offer
from app.customers.models import Customer
from app.extensions import db
from app.orders.states import FINAL_STATES, OrderStatus
from app.orders.tickets import Ticket
from app.personal_data.encryption import EncryptedText
from app.timeutil import UTCDateTime, utcnow


def new_public_token() -> str:
    """An unguessable token for the order's URL (192 bits)."""
    return secrets.token_urlsafe(24)


class Order(db.Model):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_offer_status", "offer_id", "status"),
        CheckConstraint("quantity >= 1", name="ck_orders_quantity_positive"),
        CheckConstraint(
            "status IN ('awaiting_payment', 'paid', 'failed', 'expired', 'refunded')",
            name="ck_orders_status_known",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    public_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_public_token)
    # A random key carried by the checkout form: the same form sent twice (a double
    # tap, a resend after a timeout) finds the order it already made.
    checkout_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    # None once the buyer is erased: the order stays for the tax records, anonymized.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(24), default=OrderStatus.AWAITING_PAYMENT)
    # Seats this order holds and pays for, one ticket each.
    quantity: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    amount_cents: Mapped[int] = mapped_column(Integer)
    # The price of one seat the day it was ordered (an early-bird tier or the offer's
    # price), before any code; None on orders placed before tiers and codes existed.
    list_unit_cents: Mapped[int | None] = mapped_column(Integer)
    # The discount code used (as typed, in capitals) and the cents it took off the
    # order. The id counts the code's uses; the text stays if the code is deleted.
    discount_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("discount_codes.id"), index=True
    )
    coupon_code: Mapped[str | None] = mapped_column(String(40))
    discount_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    vat_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    payment_method: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    # The provider's id for the current attempt: a Checkout Session (card) or a
    # PaymentIntent (MB WAY, Multibanco).
    provider_reference: Mapped[str | None] = mapped_column(String(255), index=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # Where the buyer pays or sees the voucher at the provider (hosted pages).
    payment_url: Mapped[str | None] = mapped_column(String(1000))
    multibanco_entity: Mapped[str | None] = mapped_column(String(8))
    multibanco_reference: Mapped[str | None] = mapped_column(String(16))
    receipt_url: Mapped[str | None] = mapped_column(String(1000))
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set when a person must look at the order: a payment that does not match it, a
    # dispute, a late payment for a seat that was sold again.
    review_reason: Mapped[str | None] = mapped_column(String(64))
    # When the shop last read this payment at the provider (a late webhook's fallback).
    provider_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The attendee page's unguessable address, given when the order is paid.
    attendee_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # An HMAC of the buyer's network address (never the address itself): counts the
    # open orders one address holds, so nobody can hoard the seats.
    client_key: Mapped[str | None] = mapped_column(String(64), index=True)
    # Google Analytics client id captured at checkout, only with analytics consent.
    ga_client_id: Mapped[str | None] = mapped_column(String(64))
    # The order stopped waiting but the provider's payment may still be open:
    # cancel it there (MB WAY request, Checkout Session) before anything else.
    release_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    # How many parts the buyer pays in (3 with Klarna); the shop is paid in full at once.
    installments: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The invoice needs the tax number given with this purchase, whatever the
    # customer's profile says later.
    billing_nif: Mapped[str | None] = mapped_column(EncryptedText("orders.billing_nif"))
    # The name and phone typed with this order. The person's profile is never rewritten
    # by a checkout (anyone may type anyone's email): this order's pages, emails and
    # payment show what was typed for it. None on orders placed before they were kept.
    buyer_name: Mapped[str | None] = mapped_column(EncryptedText("orders.buyer_name"))
    buyer_phone: Mapped[str | None] = mapped_column(EncryptedText("orders.buyer_phone"))
    # Set when the team hands the ticket to someone else (the terms allow a change of
    # name): the order's emails then go to the new holder.
    attendee_email: Mapped[str | None] = mapped_column(EncryptedText("orders.attendee_email"))
    # An invoice to a company: its name and address (its NIF is billing_nif). Encrypted:
    # a sole trader's business name and address are a person's.
    company_name: Mapped[str | None] = mapped_column(EncryptedText("orders.company_name"))
    company_address: Mapped[str | None] = mapped_column(EncryptedText("orders.company_address"))
    locale: Mapped[str] = mapped_column(String(5), default="pt_PT")
    failure_reason: Mapped[str | None] = mapped_column(String(64))
    # The landing headline (A/B variant) the buyer saw, for the funnel (no personal data).
    headline_variant: Mapped[str | None] = mapped_column(String(16))
    # Where the visit that placed the order came from (analytics/journeys.py).
    first_source: Mapped[str | None] = mapped_column(String(64))
    first_campaign: Mapped[str | None] = mapped_column(String(64))
    journey: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # When the buyer's personal data was erased from this order (GDPR art. 17).
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    offer: Mapped[Offer] = relationship()
    discount_code: Mapped[DiscountCode | None] = relationship()
    customer: Mapped[Customer | None] = relationship(back_populates="orders")
    history: Mapped[list[OrderStatusChange]] = relationship(
        back_populates="order", order_by="OrderStatusChange.id"
    )
    tickets: Mapped[list[Ticket]] = relationship(order_by=Ticket.position, backref="order")

    @property
    def is_final(self) -> bool:
        return OrderStatus(self.status) in FINAL_STATES

    @property
    def name_on_order(self) -> str:
        """The buyer's name as typed for this order ("" once erased)."""
        if self.buyer_name is not None:
            return self.buyer_name
        return self.customer.name if self.customer else ""

    @property
    def email_on_order(self) -> str:
        """Where the order's emails go: the ticket's new holder, or the buyer ("" once erased)."""
        if self.customer is None:
            return ""
        return self.attendee_email or self.customer.email

    @property
    def phone_on_order(self) -> str:
        """The phone typed for this order (MB WAY is asked on it); "" once erased."""
        if self.buyer_phone is not None:
            return self.buyer_phone
        return (self.customer.phone or "") if self.customer else ""


class OrderStatusChange(db.Model):
    """One applied move of the state machine, kept for support and audits."""

    __tablename__ = "order_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="history")
