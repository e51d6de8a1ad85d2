"""What a paid or refunded order causes to be sent, and how those messages are composed.

Queued in the same transaction as the move (`order_paid`, `order_refunded`); composed
by the outbox worker at delivery time from the order as it then stands (`COMPOSERS`).
"""

from __future__ import annotations

import uuid
from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from app.catalog.calendar import event_ics
from app.extensions import db
from app.leads.notifications import contact_payload, crm_contact, customer_of, lead_of
from app.money import cents_to_decimal
from app.orders.models import Order
from app.orders.pricing import line_of
from app.orders.ticket_mail import COMPOSERS as TICKET_COMPOSERS
from app.orders.ticket_mail import (
    attach_invite,
    attach_qr_images,
    queue_attendee_tickets,
    valid_cards,
)
from app.outbox.adapters.ga4 import Hit, order_event
from app.outbox.adapters.hubspot import Purchase
from app.outbox.errors import NothingToSend
from app.outbox.mail import mark_language, new_email, write_body
from app.outbox.models import OutboxMessage
from app.outbox.services import enqueue
from app.web.i18n import speaking


def order_paid(order: Order) -> None:
    """Confirmation email with the tickets and the invite, each attendee's own ticket (when
    the buyer gave their email), the CRM, the buyer in Kit (with confirmed marketing
    consent) and a GA4 purchase (with analytics consent)."""
    if order.customer is None:
        return  # paid after the buyer was erased: nobody to tell
    base = f"order:{order.id}:paid"
    who = order.customer_id
    # The invoice first: the worker takes messages in order, so the confirmation can
    # link to it once it is issued.
    enqueue("invoicing", "invoice", {"order_id": str(order.id)}, f"{base}:invoice", who)
    enqueue("email", "order_confirmation", {"order_id": str(order.id)}, f"{base}:email", who)
    queue_attendee_tickets(order, base)
    lead = lead_of(order.customer)
    contact = contact_payload(order.customer, "buyer", lead)
    if lead is not None and lead.marketing_consent and lead.confirmed_at is not None:
        # The email platform is marketing: only people who asked for it (and confirmed).
        enqueue("kit", "subscriber", contact, f"{base}:kit", who)
    enqueue("crm", "purchase", {**contact, "order_id": str(order.id)}, f"{base}:crm", who)
    if order.ga_client_id:
        enqueue("ga4", "purchase", {"order_id": str(order.id)}, f"{base}:ga4", who)


def confirmation_resent(order: Order) -> int:
    """The confirmation again (lost, or sent to a new ticket holder), and each attendee's
    own ticket again, as when the order was paid; returns how many emails were queued.
    The caller commits."""
    key = f"order:{order.id}:resend:{uuid.uuid4().hex}"
    enqueue("email", "order_confirmation", {"order_id": str(order.id)}, key, order.customer_id)
    return 1 + queue_attendee_tickets(order, key)


def order_refunded(order: Order, refunded_cents: int, *, by_transfer: bool = False) -> None:
    """A refund notice for each new refunded total; GA4 hears of a full refund."""
    base = f"order:{order.id}:refunded:{refunded_cents}"
    payload: dict[str, object] = {"order_id": str(order.id), "refunded_cents": refunded_cents}
    if by_transfer:
        payload["by_transfer"] = True
    who = order.customer_id
    # Every refund step has its credit note, erased buyer or not (the law asks for it).
    enqueue("invoicing", "credit_note", payload, f"{base}:credit_note", who)
    if order.customer is not None:
        # An erased buyer's refund still happens at the provider, which tells them.
        enqueue("email", "refund_notice", payload, f"{base}:email", who)
    if order.ga_client_id and refunded_cents >= order.amount_cents:
        enqueue("ga4", "refund", payload, f"{base}:ga4", who)


# -- composing them at delivery ------------------------------------------------------------


def _order(message: OutboxMessage) -> Order:
    order = db.session.get(Order, uuid.UUID(message.payload["order_id"]))
    if order is None:
        raise NothingToSend(f"order {message.payload['order_id']} no longer exists")
    return order


def _buyer_email(message: OutboxMessage, order: Order, subject: str) -> EmailMessage:
    if order.customer is None:
        raise NothingToSend("the buyer was erased")
    return new_email(message, order.name_on_order, order.email_on_order, subject)


# Invoicing (a feature above orders) registers how to find an order's invoice page:
# `create_app` puts a function of the order's id here.
INVOICE_PAGE = "order_invoice_page"


def _invoice_url(order: Order) -> str | None:
    """The invoice's page, once issued (it is queued before this email, so it usually is)."""
    find = current_app.extensions.get(INVOICE_PAGE)
    return find(order.id) if find else None


def compose_confirmation(message: OutboxMessage) -> EmailMessage:
    """The order confirmation, with each ticket's QR and code, the attendee page and the
    event as an .ics invite."""
    order = _order(message)
    event = order.offer.event
    tickets = valid_cards(order)
    with speaking(order.locale):
        attendee_url = (
            url_for("checkout.attendee", token=order.attendee_token, _external=True)
            if order.attendee_token
            else None
        )
        subject = ngettext(
            "Your ticket for %(event)s is confirmed",
            "Your tickets for %(event)s are confirmed",
            order.quantity,
            event=event.text("title", order.locale),
        )
        email = _buyer_email(message, order, subject)
        write_body(
            email,
            "order_confirmation",
            order=order,
            event=event,
            lang=order.locale,
            order_url=url_for("checkout.order", token=order.public_token, _external=True),
            attendee_url=attendee_url,
            invoice_url=_invoice_url(order),
            tickets=tickets,
        )
        invite = event_ics(
            event, order.locale, uid=f"{event.slug}-{order.id}@cafecomvendas.pt", url=attendee_url
        )
    attach_qr_images(email, tickets)
    attach_invite(email, event.slug, invite)
    return mark_language(email, order.locale)


def compose_refund_notice(message: OutboxMessage) -> EmailMessage:
    """The refund notice for the refunded total the message was queued with."""
    order = _order(message)
    event = order.offer.event
    refunded = int(message.payload.get("refunded_cents") or order.refunded_cents)
    with speaking(order.locale):
        subject = _("Your refund for %(event)s", event=event.text("title", order.locale))
        email = _buyer_email(message, order, subject)
        write_body(
            email,
            "refund_notice",
            order=order,
            event=event,
            lang=order.locale,
            refunded_cents=refunded,
            full=refunded >= order.amount_cents,
            by_transfer=bool(message.payload.get("by_transfer")),
            order_url=url_for("checkout.order", token=order.public_token, _external=True),
        )
    return mark_language(email, order.locale)


def deal_name(order: Order) -> str:
    """How the deal reads in the CRM: event, offer and the short order reference."""
    return f"Café com Vendas — {order.offer.localized_name('pt_PT')} — {order.id.hex[:8]}"


def compose_crm_purchase(message: OutboxMessage) -> Purchase:
    """The buyer's contact and the order's won deal."""
    customer = customer_of(message)
    order = _order(message)
    return Purchase(
        contact=crm_contact(customer, buyer=True),
        order_id=str(order.id),
        deal_name=deal_name(order),
        amount=cents_to_decimal(order.amount_cents),
        paid_at=order.paid_at,
    )


def compose_ga4(message: OutboxMessage) -> Hit:
    """The purchase, or the refund of the total queued, tied to the buyer's GA client id."""
    order = _order(message)
    if not order.ga_client_id:
        raise NothingToSend("no GA client id: the buyer did not allow analytics")
    offer = order.offer
    line = line_of(order.amount_cents, order.quantity)
    common = {
        "transaction_id": str(order.id),
        "currency": order.currency,
        "item": (offer.slug, offer.localized_name("pt_PT")),
        "price_cents": line.unit_cents,
        "quantity": line.quantity,
        "coupon": order.coupon_code,
    }
    if message.kind == "purchase":
        event = order_event(
            "purchase",
            value_cents=order.amount_cents,
            tax_cents=order.vat_cents,
            payment_type=order.payment_method,
            **common,
        )
    else:
        refunded = message.payload.get("refunded_cents")
        value = order.refunded_cents if refunded is None else refunded
        event = order_event("refund", value_cents=value, **common)
    return Hit(client_id=order.ga_client_id, events=(event,))


COMPOSERS = {
    ("email", "order_confirmation"): compose_confirmation,
    ("email", "refund_notice"): compose_refund_notice,
    ("crm", "purchase"): compose_crm_purchase,
    ("ga4", "purchase"): compose_ga4,
    ("ga4", "refund"): compose_ga4,
    **TICKET_COMPOSERS,
}
