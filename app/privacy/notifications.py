"""How the privacy centre's messages are composed at delivery: the access link, the
erasure confirmation, and the deletions asked of Kit and the CRM."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app, url_for
from flask_babel import gettext as _

from app.customers.models import Customer
from app.extensions import db
from app.outbox.adapters.hubspot import Forget
from app.outbox.adapters.kit import Unsubscribe
from app.outbox.errors import NothingToSend
from app.outbox.mail import mark_language, new_email, write_body
from app.outbox.models import OutboxMessage
from app.privacy.access import access_token
from app.privacy.models import PrivacyRequest
from app.privacy.sealing import unseal
from app.timeutil import as_utc, utcnow
from app.web.i18n import speaking


def _sealed_address(message: OutboxMessage) -> str:
    try:
        return unseal(message.payload)
    except LookupError as exc:
        raise NothingToSend(str(exc)) from exc


def compose_access_link(message: OutboxMessage) -> EmailMessage:
    """The single-use link to the privacy centre, while it still works."""
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
        email = new_email(message, customer.name, customer.email, subject)
        write_body(
            email,
            "privacy_link",
            name=customer.name,
            lang=request.locale,
            access_url=url_for("privacy.access", token=access_token(request.id), _external=True),
            minutes=current_app.config["PRIVACY_LINK_MINUTES"],
        )
    return mark_language(email, request.locale)


def compose_erasure_confirmation(message: OutboxMessage) -> EmailMessage:
    """The confirmation, to the erased address the message carries sealed."""
    address = _sealed_address(message)
    lang = message.payload.get("locale") or "pt_PT"
    with speaking(lang):
        subject = _("Your data has been erased from Café com Vendas")
        email = new_email(message, "", address, subject)
        write_body(
            email,
            "erasure_confirmation",
            lang=lang,
            orders_kept=int(message.payload.get("orders_kept") or 0),
            outside=message.payload.get("outside") or [],
        )
    return mark_language(email, lang)


def compose_kit_erasure(message: OutboxMessage) -> Unsubscribe:
    return Unsubscribe(email=_sealed_address(message))


def compose_crm_erasure(message: OutboxMessage) -> Forget:
    return Forget(email=_sealed_address(message))


COMPOSERS = {
    ("email", "privacy_link"): compose_access_link,
    ("email", "erasure_confirmation"): compose_erasure_confirmation,
    ("kit", "erase"): compose_kit_erasure,
    ("crm", "erase"): compose_crm_erasure,
}
