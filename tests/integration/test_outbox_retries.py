"""Faults on the way out: a message is retried until it is delivered exactly once, or given
up (at once, or after the last attempt). GA4's double plays the receiver that fails
(tests/integration/integrations.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

from app.outbox.models import OutboxMessage, OutboxStatus
from tests.http_doubles import Ga4Double
from tests.integration.integrations import paid_order, queue, settle


def _one_success_with_one_key(ga4: Ga4Double, message: OutboxMessage, attempts: int) -> None:
    hits = ga4.calls("POST", "/mp/collect")
    assert len(hits) == attempts
    assert {hit.idempotency_key for hit in hits} == {message.idempotency_key}
    assert ga4.successes("POST", "/mp/collect") == {message.idempotency_key: 1}


@dataclass(frozen=True)
class Outcome:
    """What became of a message GA4 refused twice before taking it."""

    name: str
    status: OutboxStatus
    attempts: int


RETRIED = Outcome("retried", OutboxStatus.DELIVERED, attempts=3)
PERMANENT = Outcome("dead", OutboxStatus.DEAD, attempts=1)
# Tried again: a credential someone can fix (401, 403), a timeout, a conflict, a lock,
# too early, too many requests, the receiver's own trouble (5xx). Dead at once: any other
# 4xx says the request itself is wrong, and sending it again cannot help.
ANSWERS = {
    400: PERMANENT,
    401: RETRIED,
    403: RETRIED,
    404: PERMANENT,
    408: RETRIED,
    409: RETRIED,
    410: PERMANENT,
    422: PERMANENT,
    423: RETRIED,
    425: RETRIED,
    429: RETRIED,
    500: RETRIED,
    502: RETRIED,
    503: RETRIED,
    504: RETRIED,
}


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        pytest.param(answer, outcome, id=f"{answer}-{outcome.name}")
        for answer, outcome in ANSWERS.items()
    ],
)
def test_each_answer_is_retried_until_one_delivery_or_dead_after_one_attempt(
    db, configure, services, answer, outcome
):
    services.ga4.fail("POST", "/mp/collect", status=answer, times=2)
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})

    message = settle(db, message_id)

    assert message.status == outcome.status
    assert message.attempts == outcome.attempts
    assert len(services.ga4.seen) == outcome.attempts
    if outcome is RETRIED:
        assert message.last_error is None
        _one_success_with_one_key(services.ga4, message, attempts=3)
    else:
        assert message.last_error.startswith(f"HTTP {answer}")
        assert services.ga4.successes("POST", "/mp/collect") == {}


def test_rate_limits_are_retried_no_sooner_than_retry_after(db, configure, services):
    services.ga4.fail("POST", "/mp/collect", status=429, times=2, headers={"Retry-After": "1"})
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})
    started = time.monotonic()

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 3
    _one_success_with_one_key(services.ga4, message, attempts=3)
    # The backoff alone (0.01 s) would have retried at once; GA4 asked for a second.
    assert time.monotonic() - started >= 2.0


def test_an_endpoint_slower_than_the_timeout_is_retried_until_one_delivery(db, configure, services):
    configure(OUTBOX_HTTP_TIMEOUT=0.5)
    services.ga4.hang("POST", "/mp/collect", seconds=1.2, times=2)
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 3
    # The held-back requests are answered (504) after the shop gave up on them: wait
    # for that, so they are counted as the failures they were.
    time.sleep(0.8)
    _one_success_with_one_key(services.ga4, message, attempts=3)


def test_temporary_failures_give_up_after_the_last_attempt(app, db, configure, services):
    configure(OUTBOX_MAX_ATTEMPTS=3)
    services.ga4.fail("POST", "/mp/collect", status=503, times=99)
    order = paid_order(db)
    message_id = queue(db, "ga4", "purchase", {"order_id": str(order.id)})

    message = settle(db, message_id)

    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 3
    assert message.last_error.startswith("gave up after 3 attempts: HTTP 503")
    assert len(services.ga4.seen) == 3
    assert services.ga4.successes("POST", "/mp/collect") == {}
