"""Demo mode only: the emails the shop "sent" (written as .eml files), to read in a browser."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, make_response

from app.web.i18n import localized_route
from app.web.rendering import render_page

bp = Blueprint("outbox", __name__)


def _mail_dir() -> Path:
    if current_app.config["PAYMENT_PROVIDER"] != "demo":
        abort(404)
    return Path(current_app.config["MAIL_DIR"])


def _read(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        return email.message_from_binary_file(handle, policy=email.policy.default)


def _file(name: str) -> Path:
    path = _mail_dir() / name
    if path.suffix != ".eml" or path.name != name or not path.is_file():
        abort(404)
    return path


@localized_route(bp, "/demo/mail", methods=["GET"])
def mailbox() -> Response:
    folder = _mail_dir()
    files = sorted(folder.glob("*.eml"), reverse=True)[:100] if folder.is_dir() else []
    mails = [(path.name, _read(path)) for path in files]
    return render_page("outbox/mailbox.html", mails=mails)


@localized_route(bp, "/demo/mail/<name>", methods=["GET"])
def mail(name: str) -> Response:
    message = _read(_file(name))
    text = message.get_body(preferencelist=("plain",))
    attachments = [part.get_filename() for part in message.iter_attachments()]
    return render_page(
        "outbox/mail.html",
        name=name,
        message=message,
        text=text.get_content() if text else "",
        attachments=attachments,
    )


@localized_route(bp, "/demo/mail/<name>/raw", methods=["GET"])
def mail_raw(name: str) -> Response:
    response = make_response(_file(name).read_bytes())
    response.headers["Content-Type"] = "message/rfc822"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@localized_route(bp, "/demo/mail/<name>/attachment/<filename>", methods=["GET"])
def mail_attachment(name: str, filename: str) -> Response:
    for part in _read(_file(name)).iter_attachments():
        if part.get_filename() == filename:
            response = make_response(part.get_content())
            response.headers["Content-Type"] = part.get_content_type()
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    abort(404)
