"""Drill: a storm of Stripe webhooks, as after an outage at Stripe or at the shop.

90 MB WAY orders; every event Stripe would send about them (a decline before a success,
processing notices), 30 % of them delivered twice, all shuffled and sent by 8 senders at
once. A sender that gets a 5xx sends the event again later, as Stripe does. Each order
must end exactly where its payment ended, each event be in the ledger once, and each
paid order cause one confirmation email. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import queue
import random
import threading
from collections import Counter

from sqlalchemy import select

from app.catalog.models import Offer
from app.extensions import db
from app.orders.models import Order, OrderStatusChange
from app.payments.models import WebhookEvent
from tests.integration.helpers import check_out_like_a_browser, messages, send_webhook

ORDERS = 90
SENDERS = 8
DUPLICATES = 0.3


def _orders(stripe_client, count: int) -> list[Order]:
    offer = db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    offer.capacity = count + 10
    db.session.commit()
    for n in range(count):
        answer = check_out_like_a_browser(stripe_client, "mb_way", email=f"storm{n}@example.pt")
        assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    return list(db.session.scalars(select(Order).order_by(Order.created_at)))


def _events_for(stripe, order: Order, pays: bool) -> list[dict]:
    """What Stripe sends about one MB WAY payment: a processing notice and a decline, then
    (for those who approve on a second try) the success."""
    intent = order.provider_reference
    events = [
        stripe.event("payment_intent.processing", dict(stripe.process_intent(intent))),
        stripe.event("payment_intent.payment_failed", dict(stripe.fail_intent(intent))),
    ]
    if pays:
        events.append(stripe.event("payment_intent.succeeded", dict(stripe.succeed_intent(intent))))
    return events


def test_a_shuffled_storm_with_duplicates_ends_every_order_exactly_right(
    stripe_app, stripe_client, stripe
):
    orders = _orders(stripe_client, ORDERS)
    paying = {order.id for n, order in enumerate(orders) if n % 3 != 0}
    unique = [e for order in orders for e in _events_for(stripe, order, order.id in paying)]
    rng = random.Random(13)
    storm = unique + rng.sample(unique, int(len(unique) * DUPLICATES))
    rng.shuffle(storm)
    assert len(storm) >= 300

    waiting: queue.Queue[dict] = queue.Queue()
    for event in storm:
        waiting.put(event)
    answers: Counter[int] = Counter()
    count_lock = threading.Lock()

    def sender() -> None:
        browser = stripe_app.test_client()
        while True:
            try:
                event = waiting.get_nowait()
            except queue.Empty:
                return
            status = send_webhook(browser, event).status_code
            with count_lock:
                answers[status] += 1
            if status >= 500:
                waiting.put(event)  # Stripe sends it again later

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert set(answers) <= {200, 503}, answers
    assert answers[200] == len(storm)
    db.session.rollback()
    statuses = {order.id: order.status for order in db.session.scalars(select(Order))}
    assert {i for i, s in statuses.items() if s == "paid"} == paying
    assert {i for i, s in statuses.items() if s != "paid"} == {o.id for o in orders} - paying
    assert set(statuses.values()) == {"paid", "failed"}
    # Each event once in the ledger, however often it came.
    ledger = Counter(db.session.scalars(select(WebhookEvent.event_id)))
    assert set(ledger) == {event["id"] for event in unique}
    assert set(ledger.values()) == {1}
    # Each paid order moved to paid once, and caused one confirmation email.
    paid_moves = Counter(
        db.session.scalars(
            select(OrderStatusChange.order_id).where(OrderStatusChange.to_status == "paid")
        )
    )
    assert paid_moves == Counter(paying)
    confirmations = Counter(
        message.payload["order_id"]
        for message in messages("email")
        if message.kind == "order_confirmation"
    )
    assert confirmations == Counter(str(order_id) for order_id in paying)
    print(
        f"\nstorm: {len(storm)} events ({len(unique)} unique), {SENDERS} senders, "
        f"answers {dict(answers)}, {len(paying)} paid, {ORDERS - len(paying)} failed"
    )
