"""Cookie consent in a real browser: no request leaves for another host before a choice
(landing, checkout, order page), none after "reject", and GTM loads after "accept".

The server has a GTM container configured (GTM-E2ETEST). Google is never reached: the
browser context answers any request to another host itself and records it, so the test
sees exactly what the page asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.e2e.harness import MBWAY_TIMEOUT_SECONDS, LiveServer, Ux, start_server
from tests.e2e.steps import Buyer, buy, checkout_form, expect_order_status, fill_checkout

pytestmark = pytest.mark.e2e

GTM_ID = "GTM-E2ETEST"


@pytest.fixture(scope="session")
def gtm_server(
    built_assets: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("gtm"), MBWAY_TIMEOUT_SECONDS, {"GTM_ID": GTM_ID})
    yield server
    server.stop()


class ThirdParty:
    """Every request the page makes to a host other than the shop, answered locally."""

    def __init__(self, context: BrowserContext, shop_url: str) -> None:
        self.shop_host = urlsplit(shop_url).netloc
        self.seen: list[str] = []
        context.route(re.compile(r"^https?://"), self._answer)

    def _answer(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == self.shop_host:
            route.continue_()
            return
        self.seen.append(url)
        if "googletagmanager.com/gtm.js" in url:
            # A stand-in container: records that it ran, loads nothing else.
            route.fulfill(
                status=200,
                content_type="application/javascript",
                body="window.gtmStandInLoaded = true;",
            )
        else:
            route.fulfill(status=204, body="")


@pytest.fixture
def gtm_page(open_context, gtm_server: LiveServer) -> tuple[Page, ThirdParty]:
    context = open_context(gtm_server.url)
    watcher = ThirdParty(context, gtm_server.url)
    return context.new_page(), watcher


def _answer_banner(page: Page, action: str) -> None:
    banner = page.locator("[data-consent-banner]")
    expect(banner).to_be_visible()
    banner.locator(f"button[value='{action}']").click()


def test_nothing_leaves_for_another_host_before_a_choice_or_after_rejecting(
    gtm_page: tuple[Page, ThirdParty], ux: Ux, email: str
) -> None:
    page, third_party = gtm_page
    page.goto("/")
    expect(page.locator("[data-consent-banner]")).to_be_visible()
    buy(page, "bilhete-geral", Buyer(name="Joana Reis", email=email), "mb_way")
    expect_order_status(page, "awaiting_payment")
    assert third_party.seen == []

    _answer_banner(page, "reject_all")
    expect(page.locator("[data-consent-banner]")).to_have_count(0)
    for path in ("/", "/checkout/bilhete-geral"):
        page.goto(path)
        expect(page.locator("[data-consent-banner]")).to_have_count(0)
    page.go_back()
    assert third_party.seen == []


def test_accepting_loads_the_container_with_consent_granted(
    gtm_page: tuple[Page, ThirdParty], ux: Ux
) -> None:
    page, third_party = gtm_page
    page.goto("/checkout/bilhete-geral")
    assert third_party.seen == []
    _answer_banner(page, "accept_all")
    page.wait_for_url(re.compile(r"/checkout/bilhete-geral$"))
    expect(page.locator("[data-consent-banner]")).to_have_count(0)
    if ux.js:
        # (wait_for_function would evaluate a string, which the page's CSP forbids.)
        for _ in range(50):
            if page.evaluate("() => window.gtmStandInLoaded === true"):
                break
            page.wait_for_timeout(100)
        assert page.evaluate("() => window.gtmStandInLoaded === true")
        assert any(f"gtm.js?id={GTM_ID}" in url for url in third_party.seen)
        updates = page.evaluate(
            """() => window.dataLayer
                .filter(e => e && e[0] === "consent" && e[1] === "update")
                .map(e => e[2])"""
        )
        assert updates and updates[-1]["analytics_storage"] == "granted"
        assert updates[-1]["ad_storage"] == "granted"
    else:
        # Without JavaScript only the container's noscript frame can load.
        page.wait_for_load_state("load")
        assert any(f"ns.html?id={GTM_ID}" in url for url in third_party.seen)


def test_accepting_after_typing_keeps_what_was_typed(
    gtm_page: tuple[Page, ThirdParty], ux: Ux, email: str
) -> None:
    """A buyer who fills the checkout in first and answers the banner after: the page
    stays with what she typed, and the container starts on the next page."""
    if not ux.js:
        pytest.skip("without JavaScript the banner's answer is a form of its own (a new page)")
    page, third_party = gtm_page
    page.goto("/checkout/bilhete-geral")
    buyer = Buyer(name="Marta Lopes", email=email)
    fill_checkout(page, buyer, "card")
    _answer_banner(page, "accept_all")
    expect(page.locator("[data-consent-saved]")).to_be_visible()
    form = checkout_form(page)
    expect(form.locator('[name="name"]')).to_have_value(buyer.name)
    expect(form.locator('[name="email"]')).to_have_value(buyer.email)
    expect(form.locator('input[name="payment_method"][value="card"]')).to_be_checked()
    assert third_party.seen == []
    page.goto("/")
    for _ in range(50):
        if page.evaluate("() => window.gtmStandInLoaded === true"):
            break
        page.wait_for_timeout(100)
    assert any(f"gtm.js?id={GTM_ID}" in url for url in third_party.seen)


def test_the_footer_link_reopens_the_choice_and_withdrawing_stops_gtm(
    gtm_page: tuple[Page, ThirdParty], ux: Ux
) -> None:
    page, third_party = gtm_page
    page.goto("/")
    _answer_banner(page, "accept_all")
    # The page loads again with consent given (a 303 without JS, HX-Redirect with it).
    expect(page.locator("[data-consent-banner]")).to_have_count(0)
    page.locator("a[data-cookie-preferences]").click()
    page.wait_for_url(re.compile(r"/cookies"))
    expect(page.locator("[data-consent-current]")).to_be_visible()
    page.locator("button[value='reject_all']").click()
    # Back where the visitor opened the preferences from.
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("[data-consent-banner]")).to_have_count(0)
    before = len(third_party.seen)
    page.goto("/")
    page.goto("/checkout/bilhete-geral")
    assert third_party.seen[before:] == []
