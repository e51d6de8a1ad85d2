"""End-to-end fixtures: a real gunicorn server on a free port and Debian's Chromium.

Each test that asks for `page` (or `context`) runs four times: JavaScript on and off, on a
Pixel 7 and on a 1280x800 desktop. Every console error, uncaught page error and CSP
violation (Chromium reports those as console errors) seen during a test fails it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect
from pytest_httpserver import HTTPServer

from tests.e2e.harness import (
    CHROMIUM,
    MBWAY_TIMEOUT_SECONDS,
    SHORT_MBWAY_TIMEOUT_SECONDS,
    UXES,
    BrowserErrors,
    LiveServer,
    SessionStripeDouble,
    Ux,
    assets_up_to_date,
    build_assets,
    play_stripe_checkout,
    start_server,
    stripe_settings,
)
from tests.ifthenpay_double import SPLIT_METHODS, IfthenpayDouble, ifthenpay_settings

# Two gunicorn workers and a browser share two cores: allow for a slow answer.
expect.set_options(timeout=10_000)


# --- Browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def base_url() -> None:
    """Each context gets the URL of the server it talks to (see `open_context`)."""
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium: Playwright cannot download its own browsers here."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
        ],
    }


@pytest.fixture(params=UXES, ids=[ux.id for ux in UXES])
def ux(request: pytest.FixtureRequest) -> Ux:
    return request.param


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


def _reported_by_browser(item: pytest.Item) -> list[str]:
    errors = getattr(item, "funcargs", {}).get("browser_errors")
    if errors is None:
        return []
    errors.flush()
    return errors.seen


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """Fail the test (not its teardown) when the browser reported an error."""
    try:
        result = yield
    except BaseException as exc:
        if reported := _reported_by_browser(item):
            exc.add_note("The browser also reported:\n" + "\n".join(reported))
        raise
    if reported := _reported_by_browser(item):
        pytest.fail("The browser reported errors:\n" + "\n".join(reported), pytrace=False)
    return result


@pytest.fixture
def open_context(
    new_context: Callable[..., BrowserContext],
    playwright: Playwright,
    ux: Ux,
    browser_errors: BrowserErrors,
) -> Callable[[str], BrowserContext]:
    """Open a browser context for this test's screen and JavaScript setting on `base_url`."""

    def open_(base_url: str) -> BrowserContext:
        context = new_context(**ux.context_args(playwright), base_url=base_url)
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        browser_errors.watch(context)
        return context

    return open_


@pytest.fixture
def context(open_context: Callable[[str], BrowserContext], live_server: LiveServer):
    return open_context(live_server.url)


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def email() -> str:
    """An address no other test uses, so customers and leads never collide."""
    return f"e2e-{uuid.uuid4().hex[:12]}@exemplo.pt"


# --- Server ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built_assets() -> None:
    """Hashed CSS and JavaScript in static/built/, as the server serves them.

    Built only when a source changed since the last build (`flask assets build`).
    """
    if not assets_up_to_date():
        build_assets()


@pytest.fixture(scope="session")
def live_server(
    built_assets: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("server"), MBWAY_TIMEOUT_SECONDS)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def short_mbway_server(
    built_assets: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A second server whose MB WAY requests expire after a few seconds."""
    server = start_server(tmp_path_factory.mktemp("short-mbway"), SHORT_MBWAY_TIMEOUT_SECONDS)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def stripe_server(
    built_assets: None, tmp_path_factory: pytest.TempPathFactory, make_httpserver: HTTPServer
) -> Iterator[LiveServer]:
    """A second server taking payments through Stripe, played by `stripe` (below)."""
    server = start_server(
        tmp_path_factory.mktemp("stripe"),
        MBWAY_TIMEOUT_SECONDS,
        stripe_settings(make_httpserver.url_for("/")),
    )
    yield server
    server.stop()


@pytest.fixture
def stripe(make_httpserver: HTTPServer) -> Iterator[SessionStripeDouble]:
    """The Stripe double behind `stripe_server`, fresh for each test.

    Replaces the fixture of the same name in tests/conftest.py: the live server keeps
    its database for the whole session, so ids must not repeat from test to test.
    """
    double = SessionStripeDouble(make_httpserver)
    yield double
    make_httpserver.clear()


@pytest.fixture
def stripe_page(
    open_context: Callable[[str], BrowserContext],
    stripe_server: LiveServer,
    stripe: SessionStripeDouble,
) -> Page:
    """A tab on the Stripe-backed shop, for this test's screen and JavaScript setting."""
    context = open_context(stripe_server.url)
    play_stripe_checkout(context)
    return context.new_page()


@pytest.fixture(scope="session")
def split_server(
    built_assets: None,
    tmp_path_factory: pytest.TempPathFactory,
    make_httpserver: HTTPServer,
    ifthenpay_server: HTTPServer,
) -> Iterator[LiveServer]:
    """A server taking card through Stripe and MB WAY and Multibanco through ifthenpay."""
    server = start_server(
        tmp_path_factory.mktemp("split"),
        MBWAY_TIMEOUT_SECONDS,
        {
            **stripe_settings(make_httpserver.url_for("/")),
            **ifthenpay_settings(ifthenpay_server.url_for("/ifthenpay")),
            "PAYMENT_METHODS": SPLIT_METHODS,
        },
    )
    yield server
    server.stop()


@pytest.fixture
def split_page(
    open_context: Callable[[str], BrowserContext],
    split_server: LiveServer,
    stripe: SessionStripeDouble,
    ifthenpay: IfthenpayDouble,
) -> Page:
    """A tab on the split shop, for this test's screen and JavaScript setting."""
    context = open_context(split_server.url)
    play_stripe_checkout(context)
    return context.new_page()


@pytest.fixture
def fresh_offer(live_server: LiveServer) -> Callable[..., str]:
    """Give a test seats of its own: `fresh_offer(capacity=1)` returns a new offer's slug."""
    return live_server.add_offer
