"""Small helpers for integration tests."""

from __future__ import annotations

import email
import email.policy
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.catalog.models import Offer
from app.extensions import db
from app.leads.links import confirmation_token
from app.leads.models import LeadChange
from app.leads.services import confirm_change
from app.orders.models import Order
from app.orders.moves import commit_move
from app.orders.placing import BuyerDetails, OrderRefused, PaymentChoice, place_order
from app.orders.states import OrderStatus
from app.outbox.models import OutboxMessage
from app.outbox.worker import run_once
from tests.stripe_double import WEBHOOK_SECRET, sign

NBSP = "\u00a0"


def scripts_after_first_view(html: str) -> list[str]:
    """The scripts a page asks for once its first view is shown, in the order they run
    (templates/_components/first_view.html: inline scripts carrying the page's nonce)."""
    urls: list[str] = []
    for loader in re.findall(r'<script nonce="[^"]+">(.*?)</script>', html, re.S):
        if "afterFirstView(function" in loader:
            urls += re.findall(r'"(/static/built/[^"]+\.js)"', loader)
    return urls


def _form(defaults: dict[str, str], overrides: dict[str, str | None]) -> dict[str, str]:
    """Defaults with overrides applied; an override of None leaves the field out."""
    merged = {**defaults, **overrides}
    return {k: v for k, v in merged.items() if v is not None}


def checkout_data(**overrides: str | None) -> dict[str, str]:
    return _form(
        {
            "name": "João Conceição",
            "email": "joao@example.pt",
            "phone": "912 345 678",
            "nif": "",
            "payment_method": "card",
            "accept_terms": "y",
        },
        overrides,
    )


def lead_data(**overrides: str | None) -> dict[str, str]:
    return _form(
        {
            "name": "Ana-Sofia D'Ávila",
            "email": "ana@example.pt",
            "business_type": "services",
            "business_stage": "growing",
        },
        overrides,
    )


# -- buying -----------------------------------------------------------------------------


def check_out(
    client: FlaskClient, lang: str = "", slug: str = "bilhete-geral", **fields: str | None
) -> str:
    """Send the checkout form on a client that skips CSRF; where the buyer goes to pay."""
    response = client.post(f"{lang}/checkout/{slug}", data=checkout_data(**fields))
    assert response.status_code == 303, response.text
    return response.headers["Location"]


def pay_by_demo_card(
    client: FlaskClient, lang: str = "", cardholder: str = "Ana", **fields: str | None
) -> str:
    """Check out and pay on the demo card page; the order page's address."""
    paid = client.post(check_out(client, lang, **fields), data={"cardholder_name": cardholder})
    assert paid.status_code == 303
    return paid.headers["Location"]


def check_out_like_a_browser(
    client: FlaskClient,
    method: str = "card",
    lang: str = "",
    slug: str = "bilhete-geral",
    **fields: str | None,
) -> TestResponse:
    """Fill the checkout form as a browser would: the page's CSRF token and checkout key
    go back with it. The answer is returned as it is, refusals included."""
    html = client.get(f"{lang}/checkout/{slug}").get_data(as_text=True)
    key = re.search(r'name="checkout_key" type="hidden" value="([^"]+)"', html).group(1)
    data = checkout_data(payment_method=method, **fields)
    data.update(csrf_token=csrf_token(html), checkout_key=key)
    return client.post(f"{lang}/checkout/{slug}", data=data)


def send_webhook(
    client: FlaskClient,
    event: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    timestamp: int | None = None,
) -> TestResponse:
    """POST a Stripe event to the shop's webhook, signed as Stripe signs it."""
    payload = json.dumps(event).encode()
    return client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": sign(payload, secret, timestamp)},
        content_type="application/json",
    )


def paid_ticket(buyer: BuyerDetails, *, ga_client_id: str | None = None) -> Order:
    """A General ticket bought and paid through the checkout services, without a page."""
    offer = db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    order = place_order(
        offer.id, buyer, PaymentChoice("card", "demo", 900), ga_client_id=ga_client_id
    )
    return commit_move(order.id, OrderStatus.PAID, "payment_succeeded")


# -- reading back -----------------------------------------------------------------------


def fresh(order: Order) -> Order:
    """The order as stored now, not as this session last saw it."""
    db.session.rollback()
    return db.session.get(Order, order.id)


def order_page(client: FlaskClient, order: Order, query: str = "") -> str:
    return client.get(f"/order/{order.public_token}{query}").get_data(as_text=True)


def only_order() -> Order:
    orders = db.session.scalars(select(Order)).all()
    assert len(orders) == 1, orders
    return orders[0]


def token_from(location: str) -> str:
    match = re.search(r"/(?:order|demo/card|demo/mbway)/([A-Za-z0-9_-]+)", location)
    assert match, location
    return match.group(1)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def messages(channel: str | None = None) -> list[OutboxMessage]:
    db.session.rollback()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if channel:
        query = query.where(OutboxMessage.channel == channel)
    return list(db.session.scalars(query))


@contextmanager
def outbox_settings(app: Flask, **settings: Any) -> Iterator[None]:
    """The app's outbox `settings` changed for the block, then put back.

    The worker builds its adapters from the settings once and keeps them: they are
    dropped on the way in and on the way out, so the next delivery builds them afresh
    from what the settings are then, as a restarted worker would.
    """
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    app.extensions.pop("outbox_adapters", None)
    try:
        yield
    finally:
        app.config.update(saved)
        app.extensions.pop("outbox_adapters", None)


def read_eml(folder: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(folder.glob("*.eml"))
    ]


def deliver_until_settled(channel: str | None = None, timeout: float = 10) -> None:
    """Run the worker's batches until none of the channel's (or any) messages is pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_once()
        if all(m.status != "pending" for m in messages(channel)):
            return
        time.sleep(0.02)
    raise AssertionError(f"{channel or 'outbox'} messages still pending after {timeout} s")


def _latest_submission(lead_id: int) -> int:
    change_id = db.session.scalar(
        select(LeadChange.id).where(LeadChange.lead_id == lead_id).order_by(LeadChange.id.desc())
    )
    assert change_id is not None, "no submission of this lead waits for a link"
    return change_id


def lead_link_token(lead_id: int) -> str:
    """The token of the confirmation link sent for the lead's latest form submission."""
    return confirmation_token(_latest_submission(lead_id))


def confirm_by_link(lead_id: int) -> None:
    """Do what following the lead's latest confirmation link does."""
    confirm_change(_latest_submission(lead_id))


def race_to_place(
    app: Flask, buyers: int, offer_of: Callable[[int], int], **order: Any
) -> list[str]:
    """`buyers` threads placing an order each at the same moment (buyer n for offer
    `offer_of(n)`, with `order`'s other arguments): "ok" or the refusal's code, in order."""
    start_together = threading.Barrier(buyers)

    def buy(n: int) -> str:
        with app.app_context():
            # Each buyer holds a pooled connection before the race starts.
            db.session.execute(select(1))
            db.session.commit()
            start_together.wait()
            try:
                place_order(
                    offer_of(n),
                    BuyerDetails(f"Buyer {n}", f"b{n}@example.pt", "+351912345678", None, "pt_PT"),
                    PaymentChoice("card", "demo", 900),
                    **order,
                )
                return "ok"
            except OrderRefused as exc:
                return exc.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=buyers) as pool:
        return list(pool.map(buy, range(buyers)))


def race_through_checkout(
    app: Flask, forms: list[dict[str, str]], path: str = "/checkout/bilhete-geral"
) -> list[tuple[int, str]]:
    """Each form sent to the checkout by a browser of its own, all at the same moment:
    (status, page) of each, in order."""
    start_together = threading.Barrier(len(forms))

    def buy(form: dict[str, str]) -> tuple[int, str]:
        browser = app.test_client()
        start_together.wait()
        response = browser.post(path, data=form)
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        return list(pool.map(buy, forms))
