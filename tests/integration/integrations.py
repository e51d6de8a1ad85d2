"""Kit, HubSpot and GA4 played by local HTTP doubles, for the outbox tests: what the shop
is configured with, the test buyer, and helpers to queue a message and let the worker
settle it.

Rows are made by the shop's own services; messages are queued with `enqueue` in the
shapes the services queue them, and the worker (`run_once`) delivers them to the
doubles, real HTTP servers (tests/http_doubles.py). The `services` and `configure`
fixtures are in this folder's conftest.py.
"""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace
from typing import Any

from sqlalchemy import delete

from app.extensions import db
from app.leads.models import Lead
from app.leads.services import LeadDetails, save_lead
from app.orders.models import Order
from app.orders.placing import BuyerDetails
from app.outbox.models import OutboxMessage, OutboxStatus
from app.outbox.services import enqueue
from app.outbox.worker import run_once
from tests.http_doubles import Seen
from tests.integration.helpers import confirm_by_link, paid_ticket

KIT_KEY = "kit-test-key"
HUBSPOT_TOKEN = "pat-eu1-test-token"
GA4_ID = "G-TEST12345"
GA4_SECRET = "ga4-test-secret"
SEQUENCE_ID = "42"
GA_CLIENT_ID = "1187654321.1764300000"

BUYER = SimpleNamespace(
    name="Maria João Conceição",
    email="maria.joao@example.pt",
    phone="+351912345678",
    nif="245328850",
)


def paid_order(db, *, ga_client_id: str | None = GA_CLIENT_ID, email: str = BUYER.email) -> Order:
    """A General ticket bought and paid by the test buyer, through the checkout services."""
    buyer = BuyerDetails(BUYER.name, email, BUYER.phone, BUYER.nif, "pt_PT")
    return paid_ticket(buyer, ga_client_id=ga_client_id)


def lead_of(
    email: str, *, consent: bool = True, name: str = BUYER.name, confirmed: bool = True
) -> Lead:
    """A lead as the form leaves it; `confirmed` as if its owner followed the emailed link."""
    lead, _ = save_lead(
        LeadDetails(
            name=name,
            email=email,
            business_type="services",
            business_stage="growing",
            marketing_consent=consent,
            locale="pt_PT",
        )
    )
    if confirmed:
        confirm_by_link(lead.id)
        # What the confirmation queued for Kit and the CRM is dropped: each test queues
        # the one message it checks.
        db.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.customer_id == lead.customer_id,
                OutboxMessage.channel.in_(("kit", "crm")),
            )
        )
        db.session.commit()
    return lead


def queue(db, channel: str, kind: str, payload: dict[str, Any]) -> int:
    message = enqueue(channel, kind, payload, f"test:{channel}:{kind}:{uuid.uuid4().hex}")
    db.session.commit()
    return message.id


def contact_payload(order_or_customer_id: int, stage: str) -> dict[str, Any]:
    return {
        "customer_id": order_or_customer_id,
        "stage": stage,
        "business_type": "services",
        "business_stage": "growing",
    }


def settle(db, message_id: int, limit: float = 8.0) -> OutboxMessage:
    """Run the worker until the message is no longer pending; return it as stored."""
    deadline = time.monotonic() + limit
    while True:
        run_once()
        db.session.expire_all()
        message = db.session.get(OutboxMessage, message_id)
        if message.status != OutboxStatus.PENDING:
            return message
        assert time.monotonic() < deadline, f"still pending: {message.last_error}"
        time.sleep(0.02)


def everything_sent(requests: list[Seen]) -> str:
    """All a double received (paths, query strings, headers, bodies) as one text."""
    return "\n".join(f"{s.path} {s.args} {s.headers} {s.body}" for s in requests)


def assert_never_sent(requests: list[Seen], *secrets: str) -> None:
    sent = everything_sent(requests)
    for secret in secrets:
        assert secret not in sent, f"{secret!r} was sent"
