"""Rate limits as a visitor, a script and Stripe meet them: per address, per form, shared
by every process through Redis, and still there when Redis is not.

Each test builds its own app(s) with limits on; the session's `app` keeps them off, and
an app's limiter (and its memory storage) lives and dies with that app.
"""

from __future__ import annotations

import logging
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis
import requests
from flask import Flask
from sqlalchemy.orm import close_all_sessions

from tests.e2e.harness import start_server
from tests.integration.helpers import (
    checkout_data,
    csrf_token,
    lead_data,
    send_webhook,
    token_from,
)
from tests.integration.staff_helpers import sign_in


@pytest.fixture
def limited_app(make_app, db) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database with rate limits on: `limited_app(**settings)`."""
    # The `db` fixture's last read keeps a transaction open; on PostgreSQL it would block
    # a second fixture's TRUNCATE (stripe_db) forever.
    db.session.rollback()
    with ExitStack() as made:

        def make(**settings) -> Flask:
            return made.enter_context(
                make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True, **settings)
            )

        yield make
        # A session these apps left in a transaction would hold PostgreSQL locks that
        # block the next test's TRUNCATE forever: close every session before the pools go.
        close_all_sessions()


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix no other run uses; its keys are removed afterwards."""
    prefix = f"cv-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"*{prefix}*"):
        client.delete(key)


def _retry_after(response) -> int:
    value = int(response.headers["Retry-After"])
    assert value > 0
    return value


# --- Per form, per page, per address --------------------------------------------------


def test_the_sixth_lead_in_a_minute_is_refused_whatever_the_language(limited_app):
    client = limited_app().test_client()
    sent = [
        client.post(path, data=lead_data(email=f"ana{n}@example.pt")).status_code
        for n, path in enumerate(["/leads", "/en/leads", "/leads", "/en/leads", "/leads"])
    ]
    assert sent == [303] * 5

    refused = client.post("/en/leads", data=lead_data(email="ana6@example.pt"))
    assert refused.status_code == 429
    assert 55 <= _retry_after(refused) <= 60
    assert '<html lang="en">' in refused.text
    assert "Too many requests" in refused.text
    assert "Your form was not sent and nothing was charged" in refused.text

    in_portuguese = client.post("/leads", data=lead_data(email="ana7@example.pt"))
    assert in_portuguese.status_code == 429
    assert '<html lang="pt-PT">' in in_portuguese.text
    assert "Demasiados pedidos" in in_portuguese.text
    # Only the form is limited this tightly: the pages still answer.
    assert client.get("/leads").status_code == 200


def test_the_eleventh_checkout_in_a_minute_is_refused(limited_app):
    client = limited_app().test_client()
    first = client.post("/checkout/bilhete-geral", data=checkout_data())
    assert first.status_code == 303
    # Every try counts, the ones with mistakes too.
    mistakes = [
        client.post("/en/checkout/bilhete-geral", data=checkout_data(email="x@")).status_code
        for _ in range(9)
    ]
    assert mistakes == [422] * 9
    refused = client.post("/checkout/bilhete-geral", data=checkout_data(email="b@example.pt"))
    assert refused.status_code == 429
    assert "Demasiados pedidos" in refused.text
    # Another offer is the same form: the budget is the buyer's, not the offer's.
    assert client.post("/checkout/bilhete-vip", data=checkout_data()).status_code == 429


def test_the_101st_page_in_a_minute_is_refused_and_webhooks_never_are(
    limited_app, stripe_app_settings, stripe_db, stripe
):
    shop = limited_app(**stripe_app_settings)
    assert shop.config["RATELIMIT_APPLICATION"] == "100 per minute"
    client = shop.test_client()
    answers = [
        send_webhook(client, stripe.event("customer.created", {"id": f"cus_{n}"})).status_code
        for n in range(120)
    ]
    assert answers == [200] * 120

    pages = ["/", "/en/", "/leads", "/en/cookies", "/robots.txt", "/sitemap.xml", "/favicon.ico"]
    seen = [client.get(pages[n % len(pages)]).status_code for n in range(100)]
    assert seen == [200] * 100
    refused = client.get("/en/privacy")
    assert refused.status_code == 429
    assert 55 <= _retry_after(refused) <= 60
    assert "Too many requests" in refused.text
    # The health check and Stripe still get through.
    assert client.get("/healthz").status_code == 200
    assert (
        send_webhook(client, stripe.event("customer.created", {"id": "cus_x"})).status_code == 200
    )


def test_retry_after_is_the_real_wait_not_the_window(limited_app):
    client = limited_app(RATELIMIT_APPLICATION="2 per 5 seconds").test_client()
    assert client.get("/robots.txt").status_code == 200
    time.sleep(2)
    assert client.get("/robots.txt").status_code == 200
    refused = client.get("/robots.txt")
    assert refused.status_code == 429
    wait = _retry_after(refused)
    # The first request leaves the 5-second window about 3 seconds from now.
    assert 2 <= wait <= 4, wait
    time.sleep(wait)
    assert client.get("/robots.txt").status_code == 200


def test_x_forwarded_for_is_ignored_without_trusted_proxies(limited_app):
    client = limited_app(RATELIMIT_APPLICATION="3 per minute", TRUSTED_PROXY_HOPS=0).test_client()
    for n in range(3):
        headers = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert client.get("/robots.txt", headers=headers).status_code == 200
    # A new made-up address is no new budget.
    made_up = {"X-Forwarded-For": "198.51.100.99"}
    assert client.get("/robots.txt", headers=made_up).status_code == 429


def test_one_trusted_proxy_gives_the_rightmost_forwarded_address(limited_app):
    client = limited_app(RATELIMIT_APPLICATION="3 per minute", TRUSTED_PROXY_HOPS=1).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}

    def get(forwarded_for: str) -> int:
        return client.get(
            "/robots.txt", headers={"X-Forwarded-For": forwarded_for}, environ_base=proxy
        ).status_code

    # The client may write anything on the left; our proxy appends what it saw.
    assert [get(f"6.6.6.{n}, 198.51.100.7") for n in range(3)] == [200] * 3
    assert get("7.7.7.7, 198.51.100.7") == 429
    # Another client behind the same proxy has a budget of her own.
    assert get("198.51.100.8") == 200


def test_ipv6_clients_are_counted_by_their_slash_64(limited_app):
    client = limited_app(RATELIMIT_APPLICATION="2 per minute").test_client()

    def get(address: str) -> int:
        return client.get("/robots.txt", environ_base={"REMOTE_ADDR": address}).status_code

    assert get("2001:db8:1:2::1") == 200
    assert get("2001:db8:1:2::abcd") == 200
    assert get("2001:db8:1:2:ffff::9") == 429
    assert get("2001:db8:1:3::1") == 200


def test_each_app_counts_alone(limited_app):
    first = limited_app(RATELIMIT_APPLICATION="2 per minute").test_client()
    second = limited_app(RATELIMIT_APPLICATION="50 per minute").test_client()
    assert [first.get("/robots.txt").status_code for _ in range(3)] == [200, 200, 429]
    # Neither the first app's count nor its limit reached the second.
    assert [second.get("/robots.txt").status_code for _ in range(3)] == [200] * 3


def test_the_door_is_not_refused_when_attendees_on_its_wifi_use_up_the_budget(limited_app):
    shop = limited_app(RATELIMIT_APPLICATION="5 per minute")
    attendee, door = shop.test_client(), shop.test_client()
    with shop.app_context():
        sign_in(door, "door")  # signing in draws on the budget: 1 of 5
    # Attendees at the same address (the venue's Wi-Fi) use up the rest.
    assert [attendee.get("/robots.txt").status_code for _ in range(5)] == [200] * 4 + [429]
    # The signed-in door keeps checking people in; an anonymous request is still refused.
    assert [door.get("/staff/checkin").status_code for _ in range(8)] == [200] * 8
    assert attendee.get("/robots.txt").status_code == 429
    # A made-up staff cookie is no way around the budget.
    attendee.set_cookie("staff", door.get_cookie("staff").value[:-4] + "AAAA")
    assert attendee.get("/staff/checkin").status_code == 429


def test_buyers_following_their_payment_do_not_spend_the_address_budget(limited_app):
    shop = limited_app(RATELIMIT_APPLICATION="5 per minute")
    buyer, neighbour = shop.test_client(), shop.test_client()
    placed = buyer.post("/checkout/bilhete-geral", data=checkout_data(payment_method="mb_way"))
    order = f"/order/{token_from(placed.headers['Location'])}"
    # Her page follows the MB WAY request every two seconds: a minute and more of it.
    polls = [buyer.get(order, headers={"HX-Request": "true"}).status_code for _ in range(40)]
    assert 429 not in polls
    # The address's budget is still there for the next buyer at the same address
    # (1 of 5 spent by the checkout above).
    assert [neighbour.get("/robots.txt").status_code for _ in range(4)] == [200] * 4
    assert neighbour.get("/robots.txt").status_code == 429
    # The order page has a limit of its own.
    answers = [buyer.get(order).status_code for _ in range(300)]
    assert answers[-40:] == [429] * 40 and 429 not in answers[:260]


# --- What a refused visitor sees ---------------------------------------------------------


def test_htmx_form_refused_keeps_the_form_and_says_when(limited_app):
    client = limited_app().test_client()
    htmx = {"HX-Request": "true", "HX-Target": "form#lead-form"}
    for n in range(5):
        client.post("/en/leads", data=lead_data(email=f"h{n}@example.pt"), headers=htmx)
    refused = client.post("/en/leads", data=lead_data(email="h6@example.pt"), headers=htmx)
    assert refused.status_code == 429
    assert _retry_after(refused) > 0
    # A notice just before the form; the form and what was typed in it stay as they are.
    assert refused.headers["HX-Retarget"] == "closest form"
    assert refused.headers["HX-Reswap"] == "beforebegin"
    assert "<html" not in refused.text
    assert 'role="alert"' in refused.text
    assert "What you typed is still in the form" in refused.text
    assert re.search(r"try again in (\d+ seconds|1 minute)\.", refused.text)


def test_refused_polling_leaves_the_order_page_as_it_is(limited_app):
    client = limited_app().test_client()
    # The order page counts on its own (300 a minute): past that, its poll is refused.
    for _ in range(300):
        client.get("/en/order/unknown", headers={"HX-Request": "true"})
    poll = client.get("/en/order/unknown", headers={"HX-Request": "true"})
    assert poll.status_code == 429
    assert poll.headers["HX-Reswap"] == "none"
    assert _retry_after(poll) > 0


# --- Redis: one budget for every process, and a plan for when it is down ----------------


def test_redis_down_the_shop_still_answers_and_still_limits(limited_app, monkeypatch, caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    # Through the environment, as production configures it.
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{closed_port}/0")
    shop = limited_app(RATELIMIT_APPLICATION="4 per minute")
    assert shop.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    client = shop.test_client()
    with caplog.at_level(logging.WARNING):
        assert client.post("/leads", data=lead_data()).status_code == 303
        assert [client.get("/robots.txt").status_code for _ in range(4)] == [200, 200, 200, 429]
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]


def test_two_apps_on_one_redis_share_a_budget(limited_app, monkeypatch, redis_url, key_prefix):
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("RATELIMIT_KEY_PREFIX", key_prefix)
    first, second = (limited_app(RATELIMIT_APPLICATION="3 per minute") for _ in range(2))
    assert first.test_client().get("/robots.txt").status_code == 200
    assert second.test_client().get("/robots.txt").status_code == 200
    assert first.test_client().get("/robots.txt").status_code == 200
    assert second.test_client().get("/robots.txt").status_code == 429
    keys = redis.Redis.from_url(redis_url).keys(f"*{key_prefix}*")
    assert keys, "the limits were not kept in Redis under the key prefix"


def _folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _start_pair(tmp_path: Path, settings: dict[str, str]) -> list:
    """Two real gunicorn servers (one worker each) of the shop, each with its own database."""
    env = {"RATELIMIT_ENABLED": "true", "WEB_CONCURRENCY": "1", **settings}
    with ThreadPoolExecutor(2) as pool:
        futures = [
            pool.submit(start_server, _folder(tmp_path / name), 60, env) for name in ("one", "two")
        ]
        return [future.result() for future in futures]


def _send_leads(servers: list, count: int) -> list[int]:
    """POST the lead form `count` times, alternately to each server, as a browser does."""
    browsers = []
    for server in servers:
        browser = requests.Session()
        form = browser.get(f"{server.url}/leads", timeout=10)
        assert form.status_code == 200
        browsers.append((server, browser, csrf_token(form.text)))
    answers = []
    for n in range(count):
        server, browser, token = browsers[n % len(browsers)]
        answer = browser.post(
            f"{server.url}/leads",
            data={**lead_data(email=f"p{n}@example.pt"), "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        )
        answers.append(answer.status_code)
        if answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) > 0
    return answers


def test_two_server_processes_on_redis_count_one_budget(tmp_path, redis_url, key_prefix):
    servers = _start_pair(tmp_path, {"REDIS_URL": redis_url, "RATELIMIT_KEY_PREFIX": key_prefix})
    try:
        # Each process sees three of the six: only a shared count refuses the sixth.
        assert _send_leads(servers, 6) == [303] * 5 + [429]
    finally:
        for server in servers:
            server.stop()


def test_two_server_processes_in_memory_count_alone(tmp_path):
    """The same journey without Redis: what the shared count above is there to stop."""
    servers = _start_pair(tmp_path, {})
    try:
        assert _send_leads(servers, 12) == [303] * 10 + [429] * 2
    finally:
        for server in servers:
            server.stop()
