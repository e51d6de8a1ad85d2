"""Logs carry no personal data: a whole journey captured at DEBUG, then searched.

A buyer leaves a lead, confirms it from the email, buys a ticket with MB WAY (demo
provider) and the outbox worker delivers everything: emails through a real SMTP server
that first answers "try later" quoting the address, the CRM through the HubSpot double,
and Kit through a server that fails echoing the address, as real providers do. Every
record logged meanwhile, by the shop or by any library, is then searched for the
buyer's email, phone (in the forms people type and services send it) and NIF.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from app.extensions import db as _db
from app.outbox.models import OutboxMessage
from app.outbox.worker import run_once
from tests.http_doubles import HubSpotDouble, Receiver, Seen
from tests.integration.helpers import check_out_like_a_browser, outbox_settings
from tests.smtp_double import SmtpDouble

NAME = "Zulmira Quaresma"
EMAIL = "zulmira.quaresma@example.pt"
PHONE_TYPED = "912 345 678"
NIF = "123456789"
HUBSPOT_TOKEN = "pat-eu1-logs"

# Every way the buyer's details could be written in a log line.
SECRETS = [
    EMAIL,
    EMAIL.upper(),
    quote(EMAIL),
    quote_plus(EMAIL),
    "+351912345678",
    "+351 912 345 678",
    quote_plus("+351912345678"),
    "912 345 678",
    "912345678",
    "912-345-678",
    NIF,
    # Names cannot be recognised by the log mask: these prove no log call writes one.
    "Zulmira",
    "Quaresma",
]

# The test doubles' own loggers: aiosmtpd ("mail.log") logs each envelope it receives as
# the mail provider would in its own logs. They are the outside world, not the shop.
DOUBLES_LOGGERS = ("mail.log",)


class EchoingKit(Receiver):
    """A Kit that refuses every subscriber with a 500 quoting the address it was sent."""

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server, "/kit-echo")
        self.route("POST", r"/v4/.*", self._refuse)

    def _refuse(self, seen: Seen) -> tuple[int, dict[str, str]]:
        address = (seen.json or {}).get("email_address", "")
        return 500, {"error": f"could not save subscriber {address}, try again"}


@pytest.fixture
def outside(app, db, tmp_path) -> Iterator[tuple[SmtpDouble, HubSpotDouble]]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    smtp = SmtpDouble().start()
    hubspot = HubSpotDouble(server, HUBSPOT_TOKEN)
    kit = EchoingKit(server)
    try:
        with outbox_settings(
            app,
            SMTP_URL=smtp.url,
            MAIL_DIR=str(tmp_path / "mail"),
            KIT_API_KEY="kit-logs",
            KIT_API_BASE=kit.base_url,
            HUBSPOT_TOKEN=HUBSPOT_TOKEN,
            HUBSPOT_API_BASE=hubspot.base_url,
            OUTBOX_BACKOFF_SECONDS=0.01,
            OUTBOX_MAX_ATTEMPTS=2,
        ):
            yield smtp, hubspot
    finally:
        smtp.stop()
        server.clear()
        server.stop()


def deliver_everything(timeout: float = 15) -> None:
    """Run the worker until no message is pending (retries are due almost at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_once()
        _db.session.rollback()
        pending = _db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status == "pending")
        ).all()
        if not pending:
            return
        time.sleep(0.02)
    raise AssertionError("outbox messages still pending")


def logged_text(record: logging.LogRecord) -> str:
    """What any handler would write: the message with its arguments, the traceback, the stack."""
    return logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)


def test_a_whole_purchase_logs_no_email_phone_or_nif(client, outside, caplog):
    smtp, hubspot = outside
    # The provider's first answer quotes the recipient, as many do.
    smtp.answers = [f"451 4.2.1 <{EMAIL}>: mailbox busy, try again later"]
    caplog.set_level(logging.DEBUG)

    lead = client.post(
        "/leads",
        data={
            "name": NAME,
            "email": EMAIL,
            "business_type": "services",
            "business_stage": "growing",
            "marketing_consent": "y",
        },
    )
    assert lead.status_code == 303, lead.text
    deliver_everything()
    [confirmation] = smtp.received
    body = confirmation.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://shop\.test(/\S*leads/confirm/\S+)", body).group(1)
    assert client.post(link).status_code == 303

    bought = client.post(
        "/checkout/bilhete-geral",
        data={
            "name": NAME,
            "email": EMAIL.upper(),
            "phone": PHONE_TYPED,
            "nif": NIF,
            "payment_method": "mb_way",
            "accept_terms": "y",
        },
    )
    assert bought.status_code == 303, bought.text
    token = bought.headers["Location"].rsplit("/", 1)[1]
    approved = client.post(f"/demo/mbway/{token}", data={"decision": "approve"})
    assert approved.status_code == 303
    assert "Pagamento confirmado" in client.get(f"/order/{token}").text
    deliver_everything()

    # The journey really happened, failures included, and was logged.
    assert [m["To"].addresses[0].addr_spec for m in smtp.received] == [EMAIL, EMAIL]
    assert EMAIL in hubspot.contacts
    _db.session.rollback()
    dead = _db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
    assert {m.channel for m in dead} == {"kit"}
    warnings = [r.getMessage() for r in caplog.records if r.name == "app.outbox.worker"]
    assert any("email/lead_confirmation: retry" in w and "451" in w for w in warnings), warnings
    assert any("kit/subscriber: retry" in w and "HTTP 500" in w for w in warnings), warnings

    leaks = [
        (record.name, secret, logged_text(record))
        for record in caplog.records
        if not record.name.startswith(DOUBLES_LOGGERS)
        for secret in SECRETS
        if secret in logged_text(record)
    ]
    assert not leaks, leaks
    # Nor is the address kept in clear in the messages' stored reasons.
    assert all(EMAIL not in (m.last_error or "") for m in dead)


def stripe_checkout(client, method: str):
    """The checkout form as a browser sends it, with its CSRF token and checkout key."""
    response = check_out_like_a_browser(
        client, method, name=NAME, email=EMAIL, phone=PHONE_TYPED, nif=NIF
    )
    assert response.status_code == 303, response.text
    return response


def test_paying_through_stripe_logs_no_email_phone_or_nif(stripe_client, stripe, caplog):
    # stripe-python logs every request body at DEBUG: name, address, phone, tax id.
    caplog.set_level(logging.DEBUG)
    stripe_checkout(stripe_client, "mb_way")
    stripe_checkout(stripe_client, "card")
    assert stripe.calls("POST", "/v1/payment_intents") and stripe.calls("POST", "/v1/customers")

    leaks = [
        (record.name, secret, logged_text(record))
        for record in caplog.records
        for secret in SECRETS
        if secret in logged_text(record)
    ]
    assert not leaks, leaks
