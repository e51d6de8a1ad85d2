"""Benchmark: Stripe webhooks answered by a real gunicorn server, measured from outside.

Stripe expects an answer quickly and retries otherwise; the issue sets the budget at
one second. A server taking payments through the Stripe double sells 40 MB WAY
tickets, then receives for each order the events Stripe sends around a payment (a
processing, a success, the charge, and the success once more as a duplicate), from
four senders at once. The latencies are printed; the budget is checked on the 99th
percentile. On SQLite the slowest few answers wait for the database's write lock
(SQLite's busy handler backs off in steps of up to 100 ms), hence a percentile rather
than the single slowest answer.
"""

from __future__ import annotations

import json
import re
import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer

from tests.e2e.harness import (
    MBWAY_TIMEOUT_SECONDS,
    SessionStripeDouble,
    assets_up_to_date,
    build_assets,
    start_server,
    stripe_settings,
)
from tests.stripe_double import sign

ORDERS = 40
SENDERS = 4
BUDGET_P99_MS = 1000


def _buy(url: str, n: int) -> None:
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    html = browser.open(f"{url}/checkout/bilhete-geral", timeout=15).read().decode()
    fields = {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)[1],
        "checkout_key": re.search(r'name="checkout_key" type="hidden" value="([^"]+)"', html)[1],
        "name": f"Compradora {chr(ord('A') + n % 26)}",  # names hold no digits
        "email": f"bench{n}@example.pt",
        "phone": "912 345 678",
        "nif": "",
        "payment_method": "mb_way",
        "accept_terms": "y",
    }
    browser.open(f"{url}/checkout/bilhete-geral", data=urlencode(fields).encode(), timeout=15)


def _deliver(url: str, event: dict) -> tuple[float, str]:
    payload = json.dumps(event).encode()
    request = urllib.request.Request(
        f"{url}/webhooks/stripe",
        data=payload,
        method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as response:
        result = json.loads(response.read())["result"]
    return (time.perf_counter() - started) * 1000, result


@pytest.fixture(scope="module")
def stripe_server(tmp_path_factory: pytest.TempPathFactory):
    if not assets_up_to_date():
        build_assets()
    api = HTTPServer(host="127.0.0.1", port=0)
    api.start()
    double = SessionStripeDouble(api)
    server = start_server(
        Path(tmp_path_factory.mktemp("bench")),
        MBWAY_TIMEOUT_SECONDS,
        stripe_settings(api.url_for("/")),
    )
    yield server, double
    server.stop()
    api.stop()


def test_webhooks_are_answered_within_a_second(stripe_server) -> None:
    server, stripe = stripe_server
    for n in range(ORDERS):
        _buy(server.url, n)
    intents = stripe.of_type("pi_")
    assert len(intents) == ORDERS

    events = []
    for intent in intents:
        events.append(stripe.event("payment_intent.processing", {**intent, "status": "processing"}))
        succeeded = stripe.event("payment_intent.succeeded", stripe.succeed_intent(intent["id"]))
        events += [succeeded, stripe.event("charge.succeeded", stripe.charge_of(intent["id"]))]
        events.append(succeeded)  # Stripe delivers at least once: a repeat now and then

    with ThreadPoolExecutor(max_workers=SENDERS) as senders:
        answers = list(senders.map(lambda event: _deliver(server.url, event), events))

    latencies = sorted(ms for ms, _ in answers)
    results = [result for _, result in answers]
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(
        f"\nwebhook latency over {len(latencies)} deliveries, {SENDERS} senders, "
        f"gunicorn + SQLite: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
        f"max {latencies[-1]:.1f} ms"
    )
    assert results.count("paid") == ORDERS
    assert results.count("duplicate") == ORDERS
    assert p99 < BUDGET_P99_MS
