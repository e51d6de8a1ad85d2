"""Demo mode's own pages: the card form, the MB WAY phone, the ATM, and the mailbox.

They exist only while the demo provider runs (the registry mounts this blueprint for
it alone). A GET only shows; the POSTs play the buyer's side of the payment. The mailbox
shows a browser only the mail sent to addresses typed in it.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    request,
    session,
    url_for,
)

from app.orders.expiry import expire_if_overdue, is_overdue
from app.orders.lookup import order_by_token
from app.orders.methods import PaymentMethod
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.payments.demo.provider import card_result, mbway_result, multibanco_paid
from app.payments.provider import PaymentUpdate
from app.payments.settlement import apply_payment_update
from app.web.i18n import localized_route
from app.web.input_rules import normalize_email
from app.web.rendering import no_store, redirect_after_post, render_page
from app.web.signing import keyed_digest

bp = Blueprint("demo", __name__)


# Digests (HMAC) of the email addresses typed in this browser's forms, newest last:
# the demo mailbox shows only the mail sent to them.
MAILBOX_KEY = "demo_mailbox"
REMEMBERED_ADDRESSES = 10


def _digest(address: str) -> str:
    return keyed_digest(normalize_email(address))


@bp.before_app_request
def remember_addresses_typed_here() -> None:
    """Every form sent with an email in demo mode makes that address's mail this
    browser's to read (a public demo must not show everyone's privacy links)."""
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return
    # A form shown several times on a page prefixes its fields ("waitlist-<offer>-email"),
    # and the checkout has one per attendee ("attendees-1-email"): each typed address
    # counts, so the buyer also reads the ticket sent to the friend they typed in.
    typed = [
        value.strip()
        for key, value in request.form.items(multi=True)
        if (key == "email" or key.endswith("-email")) and value.strip()
    ]
    if typed:
        digests = list(dict.fromkeys(_digest(address) for address in typed))
        kept = [d for d in session.get(MAILBOX_KEY, []) if d not in digests]
        session[MAILBOX_KEY] = [*kept, *digests][-REMEMBERED_ADDRESSES:]


def _mine(message: EmailMessage) -> bool:
    """Whether the email went to an address typed in this browser."""
    kept = set(session.get(MAILBOX_KEY, []))
    return any(_digest(address.addr_spec) in kept for address in message["To"].addresses)


@bp.after_request
def keep_out_of_caches(response: Response) -> Response:
    # Phones, names and whole emails: never kept by a shared cache or the back button.
    return no_store(response)


def _order(token: str, *methods: PaymentMethod) -> Order:
    order = order_by_token(token)
    if order is None or order.payment_method not in methods:
        abort(404)
    return order


def _waiting(order: Order) -> bool:
    return order.status == OrderStatus.AWAITING_PAYMENT and not is_overdue(order)


def _page(template: str, order: Order) -> Response:
    return render_page(template, order=order, event=order.offer.event, waiting=_waiting(order))


def _play(order: Order, decide: Callable[[Order], PaymentUpdate]) -> Response:
    """Apply the simulated answer if the order still waits (a passed hold expires first)."""
    order = expire_if_overdue(order)
    if order.status == OrderStatus.AWAITING_PAYMENT:
        apply_payment_update(decide(order))
    return redirect_after_post(url_for("checkout.order", token=order.public_token))


@localized_route(bp, "/demo/card/<token>", methods=["GET"])
def card(token: str) -> Response:
    order = _order(token, PaymentMethod.CARD, PaymentMethod.KLARNA)
    if not _waiting(order):
        return redirect_after_post(url_for("checkout.order", token=order.public_token))
    return _page("demo/card.html", order)


@localized_route(bp, "/demo/card/<token>", methods=["POST"], endpoint="pay_card")
def pay_card(token: str) -> Response:
    cardholder = request.form.get("cardholder_name", "")[:120]
    order = _order(token, PaymentMethod.CARD, PaymentMethod.KLARNA)
    return _play(order, lambda order: card_result(order, cardholder))


@localized_route(bp, "/demo/mbway/<token>", methods=["GET"])
def phone(token: str) -> Response:
    return _page("demo/phone.html", _order(token, PaymentMethod.MB_WAY))


@localized_route(bp, "/demo/mbway/<token>", methods=["POST"], endpoint="answer_phone")
def answer_phone(token: str) -> Response:
    decision = request.form.get("decision")
    if decision not in {"approve", "reject"}:
        abort(422)
    order = _order(token, PaymentMethod.MB_WAY)
    return _play(order, lambda order: mbway_result(order, decision))


@localized_route(bp, "/demo/multibanco/<token>", methods=["GET"])
def atm(token: str) -> Response:
    return _page("demo/atm.html", _order(token, PaymentMethod.MULTIBANCO))


@localized_route(bp, "/demo/multibanco/<token>", methods=["POST"], endpoint="pay_atm")
def pay_atm(token: str) -> Response:
    return _play(_order(token, PaymentMethod.MULTIBANCO), multibanco_paid)


# -- the mailbox: the emails the shop "sent" (written as .eml files) ----------------------


def _read(path: Path) -> EmailMessage:
    with path.open("rb") as handle:
        return email.message_from_binary_file(handle, policy=email.policy.default)


def _file(name: str) -> Path:
    path = Path(current_app.config["MAIL_DIR"]) / name
    if path.suffix != ".eml" or path.name != name or not path.is_file():
        abort(404)
    if not _mine(_read(path)):
        abort(404)
    return path


@localized_route(bp, "/demo/mail", methods=["GET"])
def mailbox() -> Response:
    folder = Path(current_app.config["MAIL_DIR"])
    files = sorted(folder.glob("*.eml"), reverse=True)[:500] if folder.is_dir() else []
    mails = [(path.name, mail) for path in files if _mine(mail := _read(path))][:100]
    return render_page("demo/mailbox.html", mails=mails)


@localized_route(bp, "/demo/mail/<name>", methods=["GET"])
def mail(name: str) -> Response:
    message = _read(_file(name))
    text = message.get_body(preferencelist=("plain",))
    attachments = [part.get_filename() for part in message.iter_attachments()]
    return render_page(
        "demo/mail.html",
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
