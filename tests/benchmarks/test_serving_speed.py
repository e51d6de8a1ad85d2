"""Benchmark: the buyer's pages served by the shop, side by side with a bare Flask app that
sends the very same bytes, both under the project's gunicorn.conf.py on this machine.

For `/`, `/en/`, the checkout and the order page's 2-second poll, plain and with
`Accept-Encoding: gzip, br` (phones always send it): requests per second of both, their
ratio, p50 and p99 of the shop, errors. Then 1,000 connections at once on the landing
page. The goals (issue 18) are printed next to each number; the test fails only below
the regression floor, so a slower change is caught without a noisy machine failing the
build.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

import pytest

from tests.benchmarks.buyers import buy_many
from tests.benchmarks.loadgen import Load, run_load
from tests.benchmarks.wrk import run_wrk, wrk_path
from tests.e2e.harness import (
    MBWAY_TIMEOUT_SECONDS,
    PROJECT_ROOT,
    VENV_BIN,
    assets_up_to_date,
    build_assets,
    start_server,
)
from tests.support import reset_schema

SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
CONNECTIONS = 50
ROUNDS = 3
CROWD = 1000
# Goals of issue 18, printed beside the numbers.
GOAL_RATIO = 0.7
GOAL_P99_MS = 25
# The regression floor, on all pages together: before the pages were kept they ran at
# about 0.07 of the bare route altogether; kept, and with cheaper requests, 0.27 to 0.40
# on the 2-core machine (the order poll, rendered on every call, pulls it down). A change
# that makes them about twice as slow fails.
FLOOR_RATIO = float(os.environ.get("BENCH_FLOOR_RATIO", "0.15"))
ENCODINGS = {"plain": {}, "gzip, br": {"Accept-Encoding": "gzip, br"}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _waiting_order_poll(url: str) -> str:
    """Place an MB WAY order (demo) and return the address its page polls while the
    buyer waits (it names the state shown: unchanged, it is answered 204)."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = browser.open(f"{url}/checkout/bilhete-geral", timeout=15).read().decode()
    fields = {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1],
        "checkout_key": re.search(r'name="checkout_key" type="hidden" value="([^"]+)"', page)[1],
        "name": "Compradora Bench",
        "email": "bench-serving@example.pt",
        "phone": "912 345 678",
        "nif": "",
        "payment_method": "mb_way",
        "accept_terms": "y",
    }
    answer = browser.open(
        f"{url}/checkout/bilhete-geral", data=urlencode(fields).encode(), timeout=15
    )
    order_page = answer.read().decode()
    return html.unescape(re.search(r'id="order-status"[^>]*? hx-get="([^"]+)"', order_page)[1])


def _capture(url: str, paths: dict[str, dict[str, str]]) -> dict[str, dict[str, list]]:
    """What the shop sends for each path, plain, gzip and br (content headers, body, status)."""
    kept = ("Content-Type", "Content-Encoding", "Vary", "Cache-Control")
    pages: dict[str, dict[str, list]] = {}
    for path, headers in paths.items():
        pages[path] = {}
        for kind, accept in (("identity", "identity"), ("gzip", "gzip"), ("br", "br")):
            request = urllib.request.Request(
                url + path, headers={**headers, "Accept-Encoding": accept}
            )
            with urllib.request.urlopen(request, timeout=15) as answer:
                body = answer.read()
                sent = [(name, answer.headers[name]) for name in kept if answer.headers[name]]
            pages[path][kind] = [sent, body.hex(), answer.status]
    return pages


def _database() -> tuple[str, dict[str, str]]:
    """Where the shop keeps its data here: PostgreSQL when the run names one (CI runs this
    file again with TEST_DATABASE_URL, after the PostgreSQL suite), else SQLite."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        return "SQLite", {}
    reset_schema(url)
    # The pool as production sizes it (app/serving_settings.py): 20 connections at most.
    return "PostgreSQL", {"DATABASE_URL": url, "DB_MAX_CONNECTIONS": "20"}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory):
    if not assets_up_to_date():
        build_assets()
    database, settings = _database()
    # Kept pages read the seats and the catalog once a second, as in production (the
    # e2e harness reads them on every request).
    settings["PAGE_STATE_SECONDS"] = "1"
    shop = start_server(tmp_path_factory.mktemp("serving"), MBWAY_TIMEOUT_SECONDS, settings)
    shop.env["BENCH_DATABASE"] = database
    order = _waiting_order_poll(shop.url)
    paths = {
        "/": {},
        "/en/": {},
        "/checkout/bilhete-geral": {},
        order: {"HX-Request": "true"},
    }
    captured = tmp_path_factory.mktemp("bare") / "pages.json"
    captured.write_text(json.dumps(_capture(shop.url, paths)))
    env = {
        **os.environ,
        "BARE_CAPTURED": str(captured),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": shop.env["WEB_CONCURRENCY"],
        "XDG_RUNTIME_DIR": str(captured.parent),
    }
    bare, bare_port = _start_floor("wsgi", env)
    with_visitor, visitor_port = _start_floor("wsgi_with_visitor", env)
    yield shop, bare_port, paths, visitor_port
    for floor in (bare, with_visitor):
        # Quick shutdown (SIGINT), then for sure: connections left by the
        # 1,000-connection crowd may keep a worker busy past the grace period.
        os.killpg(floor.pid, signal.SIGINT)
        try:
            floor.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(floor.pid, signal.SIGKILL)
            floor.wait(timeout=10)
    shop.stop()


def _start_floor(app_name: str, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """A bare app of tests/benchmarks/bare_app.py under the shop's gunicorn.conf.py."""
    port = _free_port()
    floor = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "-c",
            "gunicorn.conf.py",
            f"tests.benchmarks.bare_app:{app_name}",
        ],
        cwd=PROJECT_ROOT,
        env={**env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    return floor, port


def _row(name: str, shop: Load, bare: Load) -> str:
    ratio = shop.per_second / bare.per_second if bare.per_second else 0.0
    return (
        f"{name:<34} {shop.per_second:>8.0f} {bare.per_second:>8.0f} {ratio:>6.2f} "
        f"{shop.p50:>7.1f} {shop.percentile(0.99):>7.1f} {bare.percentile(0.99):>8.1f} "
        f"{shop.errors + shop.timeouts:>6}"
    )


def _generator():
    """wrk when installed (`make bench` installs it as root), else our asyncio client."""
    return run_wrk if wrk_path() else run_load


def _side_by_side(port: int, floor_port: int, path: str, headers: dict) -> tuple[Load, Load]:
    """Both servers on `path`, taking turns in ROUNDS short runs: a burst of noise from
    another process on this shared machine then falls on both, not on one of them."""
    mine, floor = Load(), Load()
    for _round in range(ROUNDS):
        for load, on in ((mine, port), (floor, floor_port)):
            ran = _generator()(
                "127.0.0.1",
                on,
                path,
                connections=CONNECTIONS,
                seconds=SECONDS / ROUNDS,
                headers=headers,
            )
            load.requests += ran.requests
            load.errors += ran.errors
            load.timeouts += ran.timeouts
            load.latencies_ms += ran.latencies_ms
            load.seconds += ran.seconds
    return mine, floor


def test_buyer_pages_side_by_side_with_the_bare_floor(servers) -> None:
    shop, bare_port, paths, visitor_port = servers
    shop_port = int(shop.url.rsplit(":", 1)[1])
    generator = (
        f"wrk ({wrk_path()})" if wrk_path() else "asyncio client (tests/benchmarks/loadgen.py)"
    )
    lines = [
        f"\nserving on {shop.env['BENCH_DATABASE']}: {CONNECTIONS} connections, {SECONDS:g} s "
        f"each in {ROUNDS} turns, {generator}, {shop.env['WEB_CONCURRENCY']} gunicorn workers "
        f"each, {os.cpu_count()} cores",
        f"goals: ratio >= {GOAL_RATIO}, p99 <= {GOAL_P99_MS} ms; floor: ratio >= {FLOOR_RATIO}",
        f"{'page':<34} {'shop/s':>8} {'bare/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'bare p99':>8} {'errors':>6}",
    ]
    ratios = []
    for path, headers in paths.items():
        for encoding, accept in ENCODINGS.items():
            sent = {**headers, **accept}
            mine, floor = _side_by_side(shop_port, bare_port, path, sent)
            shown = "/order/… (poll, unchanged)" if "HX-Request" in headers else path
            name = f"{shown} [{encoding}]"
            lines.append(_row(name, mine, floor))
            ratios.append((name, mine, floor))
    lines.append(
        "the form page's floor: a bare route that also makes a new visitor's CSRF token and "
        "session cookie, side by side with the bare route"
    )
    for path in ("/", "/checkout/bilhete-geral"):
        sent = ENCODINGS["gzip, br"]
        with_visitor, floor = _side_by_side(visitor_port, bare_port, path, sent)
        lines.append(_row(f"{path} [gzip, br] session+CSRF", with_visitor, floor))
        # The shop against this floor, side by side too: what its own work costs beyond
        # what any Flask page with a form costs a first-time visitor.
        mine, form_floor = _side_by_side(shop_port, visitor_port, path, sent)
        lines.append(_row("  shop against the row above", mine, form_floor))
    crowd = _generator()(
        "127.0.0.1",
        shop_port,
        "/",
        connections=CROWD,
        seconds=SECONDS * 2,
        headers=ENCODINGS["gzip, br"],
        timeout=10,
    )
    lines.append(
        f"{CROWD} connections on / [gzip, br]: {crowd.per_second:.0f}/s, p50 {crowd.p50:.0f} ms, "
        f"p99 {crowd.percentile(0.99):.0f} ms, errors {crowd.errors}, timeouts {crowd.timeouts} "
        "(goal: 0 errors, 0 timeouts)"
    )
    print("\n".join(lines))
    sys.stdout.flush()
    for name, mine, floor in ratios:
        assert mine.requests and floor.requests, f"{name}: no answers"
        assert mine.errors == 0, f"{name}: {mine.errors} errors"
    # One 3-second window on a shared 2-core machine swings by a factor of three: the
    # floor holds the pages' total against the bare total.
    shop_total = sum(mine.per_second for _name, mine, _floor in ratios)
    bare_total = sum(floor.per_second for _name, _mine, floor in ratios)
    print(f"all pages: {shop_total / bare_total:.3f} of the bare route (floor {FLOOR_RATIO})")
    assert shop_total >= FLOOR_RATIO * bare_total, "the buyer's pages fell below the floor"


BUYERS = 200
BUYERS_AT_ONCE = 20
GOAL_BUYERS_SECONDS = 60
GOAL_BUYER_P95_MS = 500


def test_two_hundred_buyers_check_out_and_pay(servers) -> None:
    """200 buyers through the checkout, the demo card payment and their order page, 20 at
    a time, on an offer with room for all of them: every one paid, no error."""
    shop, _bare_port, _paths, _visitor_port = servers
    slug = shop.add_offer(capacity=BUYERS * 2)
    time.sleep(1.5)  # the kept pages read the catalog once a second
    bought = buy_many(shop.url, f"/checkout/{slug}", BUYERS, BUYERS_AT_ONCE)
    print(
        f"\npurchase flow on {shop.env['BENCH_DATABASE']}: {BUYERS} buyers, "
        f"{BUYERS_AT_ONCE} at a time, {len(bought.latencies_ms)} requests in "
        f"{bought.seconds:.1f} s (goal: {GOAL_BUYERS_SECONDS} s); per request p50 "
        f"{bought.percentile(0.5):.0f} ms, p95 {bought.percentile(0.95):.0f} ms "
        f"(goal: {GOAL_BUYER_P95_MS} ms), p99 {bought.percentile(0.99):.0f} ms; "
        f"paid {bought.paid}, errors {len(bought.errors)}"
    )
    sys.stdout.flush()
    assert not bought.errors, bought.errors[:5]
    assert bought.paid == BUYERS
