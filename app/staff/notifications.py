"""The back office's one email: a member's sign-in link, composed when it is sent."""

from __future__ import annotations

from email.message import EmailMessage

from flask import url_for
from flask_babel import gettext as _

from app.extensions import db
from app.outbox.errors import NothingToSend
from app.outbox.mail import mark_language, new_email, write_body
from app.outbox.models import OutboxMessage
from app.staff.models import StaffSignIn
from app.staff.signin import link_minutes, sign_in_token
from app.timeutil import as_utc, utcnow
from app.web.i18n import speaking


def compose_sign_in_link(message: OutboxMessage) -> EmailMessage:
    """The single-use sign-in link, while it still works."""
    link = db.session.get(StaffSignIn, message.payload.get("sign_in_id") or 0)
    if link is None or not link.member.active:
        raise NothingToSend("the sign-in link or its member no longer exists")
    if link.used_at is not None or as_utc(link.expires_at) <= utcnow():
        raise NothingToSend("the sign-in link expired before it could be sent")
    # The team works in Portuguese.
    with speaking("pt_PT"):
        subject = _("Your sign-in link to the Café com Vendas back office")
        email = new_email(message, "", link.member.email, subject)
        write_body(
            email,
            "staff_sign_in",
            sign_in_url=url_for("staff_signin.link", token=sign_in_token(link.id), _external=True),
            minutes=link_minutes(),
        )
    return mark_language(email, "pt_PT")


COMPOSERS = {("email", "staff_sign_in"): compose_sign_in_link}
