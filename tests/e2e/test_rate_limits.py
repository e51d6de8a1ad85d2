"""A visitor who sends the lead form too often is told when to try again, and keeps
what she typed."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.harness import BrowserErrors, LiveServer, Ux, start_server
from tests.e2e.steps import expect_shop_page, wait_for_htmx

pytestmark = pytest.mark.e2e

# One made-up address per browser: each test has a budget of its own on the server.
_ADDRESSES = (f"203.0.113.{n}" for n in itertools.count(1))


@pytest.fixture(scope="session")
def limited_server(built_assets: None, tmp_path_factory) -> Iterator[LiveServer]:
    """A server with rate limits on, one worker, behind one (played) trusted proxy."""
    server = start_server(
        tmp_path_factory.mktemp("limited"),
        60,
        {"RATELIMIT_ENABLED": "true", "WEB_CONCURRENCY": "1", "TRUSTED_PROXY_HOPS": "1"},
    )
    yield server
    server.stop()


@pytest.fixture
def limited_page(open_context: Callable[[str], BrowserContext], limited_server: LiveServer) -> Page:
    context = open_context(limited_server.url)
    # What our proxy would add: the address it saw this browser at.
    context.set_extra_http_headers({"X-Forwarded-For": next(_ADDRESSES)})
    return context.new_page()


def _use_up_the_lead_budget(page: Page) -> None:
    """Five leads in a minute, sent the quick way from the same browser."""
    form = page.context.request.get("/en/leads")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text()).group(1)
    for n in range(5):
        answer = page.context.request.post(
            "/en/leads",
            form={
                "csrf_token": token,
                "name": "Rita Sousa",
                "email": f"rita{n}@exemplo.pt",
                "business_type": "services",
                "business_stage": "starting",
            },
            max_redirects=0,
        )
        assert answer.status == 303, answer.status


def test_too_many_leads_say_when_to_try_again_and_keep_what_was_typed(
    limited_page: Page, ux: Ux, browser_errors: BrowserErrors
) -> None:
    page = limited_page
    _use_up_the_lead_budget(page)
    page.goto("/en/leads")
    form = page.locator("form#lead-form")
    form.locator('[name="name"]').fill("Rita Sousa")
    form.locator('[name="email"]').fill("rita.sousa@exemplo.pt")
    form.locator('[name="business_type"]').select_option("services")
    form.locator('[name="business_stage"]').select_option("starting")
    # With JavaScript the answer is meant for htmx: let it wire the form first.
    wait_for_htmx(page)
    browser_errors.expect(r"status of 429")
    form.locator('button[type="submit"]').click()

    notice = page.locator("[data-rate-limited]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Your form was not sent and nothing was charged")
    expect(notice).to_contain_text(re.compile(r"try again in (\d+ seconds|1 minute)"))
    if ux.js:
        # The notice sits above the form, and the form still holds what she typed.
        expect(form.locator('[name="name"]')).to_have_value("Rita Sousa")
        expect(form.locator('[name="email"]')).to_have_value("rita.sousa@exemplo.pt")
        expect(form.locator('[name="business_stage"]')).to_have_value("starting")
        assert notice.evaluate("n => n.nextElementSibling.id") == "lead-form"
    else:
        # Without JavaScript the whole page says it, in the page's language.
        expect_shop_page(page, "en")
        expect(page.locator("h1")).to_have_text("Too many requests")
        expect(notice).to_contain_text("Go back with your browser")
