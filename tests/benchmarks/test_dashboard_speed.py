"""Benchmark: the back office with a busy season's data: 5,000 orders and 20,000 leads.

Seeds the test database (PostgreSQL with TEST_DATABASE_URL, as CI runs it; SQLite
otherwise) in bulk, then renders the dashboard, the order list, a name search and the
leads list as an owner, each several times, beside a bare page of the same app
(`/healthz`) as the baseline of the same run. Prints medians; fails only past a
generous regression floor, since the machine is shared.
"""

from __future__ import annotations

import random
import secrets
import statistics
import time
import uuid
from datetime import timedelta

from sqlalchemy import insert, select

from app.catalog.models import Offer
from app.customers.models import Customer
from app.leads.models import Lead
from app.money import vat_included
from app.orders.models import Order
from app.personal_data.encryption import blind_index
from app.timeutil import utcnow
from tests.integration.staff_helpers import sign_in

ORDERS = 5_000
LEADS = 20_000
RUNS = 7
FLOOR_MS = 3_000  # a regression floor, not the goal: the goal is printed


def _seed(db) -> None:
    rng = random.Random(7)
    now = utcnow()
    offers = db.session.scalars(select(Offer)).all()
    customers, leads = [], []
    for n in range(1, LEADS + 1):
        email = f"pessoa{n}@example.pt"
        created = now - timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
        customers.append(
            {
                "id": n,
                "email": email,
                "email_index": blind_index(email),
                "name": f"Pessoa Número {n}",
                "locale": "pt_PT",
                "journey_stage": "lead",
                "created_at": created,
                "updated_at": created,
            }
        )
        confirmed = rng.random() < 0.6
        leads.append(
            {
                "id": n,
                "customer_id": n,
                "business_type": rng.choice(["services", "products", "digital", "food"]),
                "business_stage": rng.choice(["idea", "starting", "growing"]),
                "marketing_consent": confirmed and rng.random() < 0.5,
                "source": "landing",
                "locale": "pt_PT",
                "headline_variant": rng.choice(["a", "b"]),
                "confirmed_at": created + timedelta(minutes=5) if confirmed else None,
                "created_at": created,
                "updated_at": created,
            }
        )
    db.session.execute(insert(Customer), customers)
    db.session.execute(insert(Lead), leads)
    orders = []
    for n in range(ORDERS):
        offer = offers[n % len(offers)]
        created = now - timedelta(minutes=rng.randrange(0, 14 * 24 * 60))
        status = rng.choices(["paid", "awaiting_payment", "failed", "refunded"], [6, 1, 2, 1])[0]
        paid = status in {"paid", "refunded"}
        orders.append(
            {
                "id": uuid.uuid4(),
                "public_token": secrets.token_urlsafe(24),
                "offer_id": offer.id,
                "customer_id": n + 1,
                "status": status,
                "amount_cents": offer.price_cents,
                "vat_cents": vat_included(offer.price_cents, offer.vat_rate),
                "refunded_cents": offer.price_cents if status == "refunded" else 0,
                "currency": "EUR",
                "payment_method": rng.choice(["card", "mb_way", "multibanco"]),
                "provider": "demo",
                "buyer_name": f"Pessoa Número {n + 1}",
                "locale": "pt_PT",
                "headline_variant": rng.choice(["a", "b"]),
                "created_at": created,
                "updated_at": created,
                "expires_at": created + timedelta(hours=48),
                "paid_at": created + timedelta(minutes=3) if paid else None,
                "attempt": 1,
            }
        )
    db.session.execute(insert(Order), orders)
    for offer in offers:
        offer.capacity = ORDERS
    db.session.commit()


def _median_ms(client, path: str) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return statistics.median(times)


def test_the_back_office_with_5000_orders_and_20000_leads(app, db, database_url):
    started = time.perf_counter()
    _seed(db)
    seeded_s = time.perf_counter() - started
    app.config["WTF_CSRF_ENABLED"] = False  # the sign-in's CSRF has its own tests
    try:
        client = sign_in(app.test_client(), "owner")
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    baseline = _median_ms(client, "/healthz")
    pages = {
        "dashboard /staff/": "/staff/",
        "orders /staff/orders": "/staff/orders",
        "name search": "/staff/orders?q=N%C3%BAmero%204999",
        "leads /staff/leads": "/staff/leads",
    }
    measured = {label: _median_ms(client, path) for label, path in pages.items()}
    engine = database_url.split(":", 1)[0]
    print(f"\nback office on {engine}: {ORDERS} orders, {LEADS} leads (seeded in {seeded_s:.1f} s)")
    print(f"  baseline /healthz: median {baseline:.1f} ms over {RUNS} runs")
    for label, ms in measured.items():
        print(f"  {label}: median {ms:.1f} ms ({ms / baseline:.0f}x the baseline)")
    assert measured["dashboard /staff/"] < FLOOR_MS
    assert measured["orders /staff/orders"] < FLOOR_MS
