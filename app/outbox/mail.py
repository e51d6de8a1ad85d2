"""The envelope every email of the shop shares; the features write what is inside.

Each email is multipart (plain text and HTML, from templates/email/) and carries a
Message-ID made from the outbox message's idempotency key, so a repeat is recognisably
the same email.
"""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from flask import current_app, render_template

from app.outbox.models import OutboxMessage


def message_id(key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@cafecomvendas.pt>"


def new_email(message: OutboxMessage, to_name: str, to_email: str, subject: str) -> EmailMessage:
    """An email from the shop to one person, with the headers every email carries."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = formataddr((to_name, to_email))
    email["Subject"] = subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(message.idempotency_key)
    # Transactional: auto-replies and out-of-office answers are not wanted.
    email["Auto-Submitted"] = "auto-generated"
    return email


def write_body(email: EmailMessage, template: str, **context: Any) -> None:
    """The plain text and HTML parts, from templates/email/<template>.txt and .html."""
    email.set_content(render_template(f"email/{template}.txt", **context))
    email.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")


def mark_language(email: EmailMessage, lang: str) -> EmailMessage:
    """Say the email's language; last, since set_content and attachments reset Content-*."""
    email["Content-Language"] = "pt-PT" if lang == "pt_PT" else "en"
    return email
