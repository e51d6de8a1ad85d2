"""The browser-error net under every end-to-end test really catches a CSP violation.

A page of the real server is served with markup the shop's policy forbids (an inline
script without the nonce, an inline style); the browser must refuse both, and what it
reports must reach the place the harness fails a test from (`_reported_by_browser`).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.e2e.conftest import _reported_by_browser
from tests.e2e.harness import BrowserErrors, LiveServer

pytestmark = pytest.mark.e2e

FORBIDDEN = (
    b"<p data-broken style='color: red'>styled inline</p>"
    b"<script>document.documentElement.dataset.inlineRan = 'yes'</script>"
)


def _with_forbidden_markup(route: Route) -> None:
    """The shop's own answer, headers (and CSP) untouched, with forbidden markup added."""
    answer = route.fetch()
    body = answer.body().replace(b"</main>", FORBIDDEN + b"</main>", 1)
    route.fulfill(response=answer, body=body)


@pytest.fixture
def watched_page(
    new_context: Callable[..., BrowserContext], live_server: LiveServer, browser_errors
) -> Page:
    context = new_context(base_url=live_server.url, java_script_enabled=True)
    browser_errors.watch(context)
    return context.new_page()


def test_a_csp_violation_fails_the_test(
    watched_page: Page, browser_errors: BrowserErrors, request: pytest.FixtureRequest
) -> None:
    page = watched_page
    page.goto("/en/leads")
    expect(page.locator("h1")).to_be_visible()
    assert _reported_by_browser(request.node) == [], "the shop's own page broke its policy"

    page.route("**/en/leads", _with_forbidden_markup)
    page.goto("/en/leads")
    expect(page.locator("[data-broken]")).to_be_attached()
    # The browser refused both: the script did not run, the style did not apply.
    assert page.evaluate("document.documentElement.dataset.inlineRan") is None
    colour = page.locator("[data-broken]").evaluate("node => getComputedStyle(node).color")
    assert colour != "rgb(255, 0, 0)"

    reported = _reported_by_browser(request.node)
    csp = [line for line in reported if "Content Security Policy" in line]
    assert any("inline script" in line for line in csp), reported
    assert any("inline style" in line for line in csp), reported
    # Seen by the harness: this test would fail on them; it caused them on purpose.
    browser_errors.seen.clear()
