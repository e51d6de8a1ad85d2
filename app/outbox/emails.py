"""The emails the shop sends, composed at delivery time in the person's language.

Each is multipart (plain text and HTML, from templates/email/), carries a Message-ID
made from the outbox message's idempotency key (a repeat is recognisably the same
email), and the order confirmation carries the event as an .ics invite.
"""

from __future__ import annotations

import hashlib
import uuid
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.catalog.calendar import event_ics
from app.checkout.models import Customer, Order
from app.extensions import db
from app.leads.models import Lead
from app.outbox.adapters.base import NothingToSend
from app.outbox.models import OutboxMessage
from app.privacy.models import PrivacyRequest
from app.privacy.services import access_token, unseal
from app.timeutil import as_utc, utcnow
from app.web.i18n import speaking

LEAD_SALT = "lead-confirmation"


def lead_token(lead_id: int) -> str:
    """A signed, timestamped token for the lead confirmation link."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LEAD_SALT).dumps(lead_id)


def lead_from_token(token: str) -> tuple[int | None, str]:
    """(lead id, "ok") for a good token, (None, "expired" | "invalid") otherwise."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LEAD_SALT)
    try:
        value = serializer.loads(token, max_age=current_app.config["LEAD_CONFIRM_MAX_AGE"])
    except SignatureExpired:
        return None, "expired"
    except BadSignature:
        return None, "invalid"
    return (value, "ok") if isinstance(value, int) else (None, "invalid")


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@cafecomvendas.pt>"


def _base(message: OutboxMessage, to_name: str, to_email: str, subject: str, lang: str):
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = formataddr((to_name, to_email))
    email["Subject"] = subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message.idempotency_key)
    # Transactional: auto-replies and out-of-office answers are not wanted.
    email["Auto-Submitted"] = "auto-generated"
    return email


def _render(email: EmailMessage, template: str, **context: Any) -> None:
    email.set_content(render_template(f"email/{template}.txt", **context))
    email.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")


def _order(message: OutboxMessage) -> Order:
    order = db.session.get(Order, uuid.UUID(message.payload["order_id"]))
    if order is None:
        raise NothingToSend("the order no longer exists")
    return order


def compose(message: OutboxMessage) -> EmailMessage:
    """The email an outbox message stands for; NothingToSend if its subject is gone."""
    if message.kind == "order_confirmation":
        order = _order(message)
        email, lang = _order_confirmation(order, message), order.locale
    elif message.kind == "refund_notice":
        order = _order(message)
        email, lang = _refund_notice(order, message), order.locale
    elif message.kind == "lead_confirmation":
        lead = db.session.get(Lead, message.payload["lead_id"])
        if lead is None:
            raise NothingToSend("the lead no longer exists")
        email, lang = _lead_confirmation(lead, message), lead.locale
    elif message.kind == "privacy_link":
        email, lang = _privacy_link(message)
    elif message.kind == "erasure_confirmation":
        email, lang = _erasure_confirmation(message)
    else:
        raise NothingToSend(f"no email for {message.kind!r}")
    # Last: set_content() and add_attachment() move or drop Content-* headers set earlier.
    email["Content-Language"] = "pt-PT" if lang == "pt_PT" else "en"
    return email


def _order_confirmation(order: Order, message: OutboxMessage) -> EmailMessage:
    event = order.offer.event
    with speaking(order.locale):
        attendee_url = (
            url_for("checkout.attendee", token=order.attendee_token, _external=True)
            if order.attendee_token
            else None
        )
        context = {
            "order": order,
            "event": event,
            "lang": order.locale,
            "order_url": url_for("checkout.order", token=order.public_token, _external=True),
            "attendee_url": attendee_url,
        }
        title = event.text("title", order.locale)
        subject = _("Your ticket for %(event)s is confirmed", event=title)
        email = _base(message, order.customer.name, order.customer.email, subject, order.locale)
        _render(email, "order_confirmation", **context)
        invite = event_ics(
            event, order.locale, uid=f"{event.slug}-{order.id}@cafecomvendas.pt", url=attendee_url
        )
    email.add_attachment(
        invite,
        maintype="text",
        subtype="calendar",
        filename=f"{event.slug}.ics",
        params={"method": "PUBLISH", "charset": "utf-8"},
    )
    return email


def _refund_notice(order: Order, message: OutboxMessage) -> EmailMessage:
    event = order.offer.event
    refunded = int(message.payload.get("refunded_cents") or order.refunded_cents)
    with speaking(order.locale):
        subject = _("Your refund for %(event)s", event=event.text("title", order.locale))
        email = _base(message, order.customer.name, order.customer.email, subject, order.locale)
        _render(
            email,
            "refund_notice",
            order=order,
            event=event,
            lang=order.locale,
            refunded_cents=refunded,
            full=refunded >= order.amount_cents,
            order_url=url_for("checkout.order", token=order.public_token, _external=True),
        )
    return email


def _lead_confirmation(lead: Lead, message: OutboxMessage) -> EmailMessage:
    if lead.confirmed_at is not None:
        raise NothingToSend("the lead is already confirmed")
    with speaking(lead.locale):
        event_title = "Café com Vendas"
        subject = _("Please confirm your email for %(event)s", event=event_title)
        email = _base(message, lead.customer.name, lead.customer.email, subject, lead.locale)
        hours = current_app.config["LEAD_CONFIRM_MAX_AGE"] // 3600
        _render(
            email,
            "lead_confirmation",
            lead=lead,
            lang=lead.locale,
            confirm_url=url_for("leads.confirm", token=lead_token(lead.id), _external=True),
            valid_days=max(1, hours // 24),
        )
    return email


def _privacy_link(message: OutboxMessage) -> tuple[EmailMessage, str]:
    request = db.session.get(PrivacyRequest, message.payload["request_id"])
    if request is None:
        raise NothingToSend("the privacy request no longer exists")
    if request.used_at is not None or as_utc(request.expires_at) <= utcnow():
        raise NothingToSend("the privacy link expired before it could be sent")
    customer = db.session.get(Customer, request.customer_id)
    if customer is None:
        raise NothingToSend("the person no longer exists")
    with speaking(request.locale):
        subject = _("Your link to the Café com Vendas privacy centre")
        email = _base(message, customer.name, customer.email, subject, request.locale)
        _render(
            email,
            "privacy_link",
            name=customer.name,
            lang=request.locale,
            access_url=url_for("privacy.access", token=access_token(request.id), _external=True),
            minutes=current_app.config["PRIVACY_LINK_MINUTES"],
        )
    return email, request.locale


def _erasure_confirmation(message: OutboxMessage) -> tuple[EmailMessage, str]:
    try:
        address = unseal(message.payload)
    except LookupError as exc:
        raise NothingToSend(str(exc)) from exc
    lang = message.payload.get("locale") or "pt_PT"
    with speaking(lang):
        subject = _("Your data has been erased from Café com Vendas")
        email = _base(message, "", address, subject, lang)
        _render(
            email,
            "erasure_confirmation",
            lang=lang,
            orders_kept=int(message.payload.get("orders_kept") or 0),
            outside=message.payload.get("outside") or [],
        )
    return email, lang
