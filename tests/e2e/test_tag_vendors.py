"""Every tag vendor enabled, in a real browser: no request reaches GTM or any vendor's
host before a choice or after "reject"; after "accept" the page asks for GTM, and what
the container then loads from each vendor is let through by the page's CSP.

Nothing leaves the machine: the browser context answers every request to another host
itself (the vendors' hosts and googletagmanager among them) and records it. The stand-in
container loads one script from each vendor's host, as the real tags would; a host the
CSP refused would be a console error, which fails the test (tests/e2e/conftest.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from fnmatch import fnmatch
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect

from app.consent.vendors import GTM_HOSTS, VENDORS
from tests.e2e.harness import MBWAY_TIMEOUT_SECONDS, LiveServer, Ux, start_server

pytestmark = pytest.mark.e2e

GTM_ID = "GTM-E2ETAGS"
# One script each enabled vendor's tag would load, from the hosts its CSP entry names.
VENDOR_SCRIPTS = {
    "google_ads": "https://www.googleadservices.com/pagead/conversion_async.js",
    "meta": "https://connect.facebook.net/en_US/fbevents.js",
    "clarity": "https://www.clarity.ms/tag/e2etags",
    "hotjar": "https://static.hotjar.com/c/hotjar-1.js?sv=6",
}
STAND_IN_CONTAINER = (
    "window.gtmStandInLoaded = true;"
    f"{json.dumps(list(VENDOR_SCRIPTS.values()))}.forEach(function (src) {{"
    " var tag = document.createElement('script'); tag.src = src;"
    " document.head.appendChild(tag); });"
)


def vendor_of(url: str) -> str | None:
    """Which enabled vendor (or GTM) a request's host belongs to, by the table's hosts."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    owners = [("gtm", GTM_HOSTS), *((key, vendor.hosts) for key, vendor in VENDORS.items())]
    for key, hosts in owners:
        if any(fnmatch(origin, source) for sources in hosts.values() for source in sources):
            return key
    return None


@pytest.fixture(scope="session")
def tags_server(
    built_assets: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    settings = {"GTM_ID": GTM_ID, "TAG_VENDORS": ",".join(VENDORS)}
    server = start_server(tmp_path_factory.mktemp("tags"), MBWAY_TIMEOUT_SECONDS, settings)
    yield server
    server.stop()


class Outside:
    """Every request the page makes to a host other than the shop: answered here, recorded."""

    def __init__(self, context: BrowserContext, shop_url: str) -> None:
        self.shop_host = urlsplit(shop_url).netloc
        self.seen: list[str] = []
        context.route(re.compile(r"^https?://"), self._answer)

    def vendors(self) -> set[str | None]:
        return {vendor_of(url) for url in self.seen}

    def _answer(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).netloc == self.shop_host:
            route.continue_()
            return
        self.seen.append(url)
        if "googletagmanager.com/gtm.js" in url:
            body = STAND_IN_CONTAINER
        elif route.request.resource_type == "script":
            body = "window.vendorsLoaded = (window.vendorsLoaded || 0) + 1;"
        else:
            route.fulfill(status=200, content_type="text/html", body="")
            return
        route.fulfill(status=200, content_type="application/javascript", body=body)


@pytest.fixture
def tags_page(open_context, tags_server: LiveServer) -> tuple[Page, Outside]:
    context = open_context(tags_server.url)
    return context.new_page(), Outside(context, tags_server.url)


def _answer_banner(page: Page, action: str) -> None:
    banner = page.locator("[data-consent-banner]")
    expect(banner).to_be_visible()
    banner.locator(f"button[value='{action}']").click()


def _poll(page: Page, script: str) -> bool:
    # (wait_for_function would evaluate a string, which the page's CSP forbids.)
    for _ in range(50):
        if page.evaluate(script):
            return True
        page.wait_for_timeout(100)
    return False


def test_no_vendor_is_reached_before_a_choice_or_after_rejecting(
    tags_page: tuple[Page, Outside], ux: Ux
) -> None:
    page, outside = tags_page
    for path in ("/", "/checkout/bilhete-geral", "/en/legal/cookies"):
        page.goto(path)
        expect(page.locator("[data-consent-banner]")).to_be_visible()
    page.wait_for_load_state("load")
    assert outside.seen == []

    _answer_banner(page, "reject_all")
    expect(page.locator("[data-consent-banner]")).to_have_count(0)
    for path in ("/", "/checkout/bilhete-geral", "/legal/cookies"):
        page.goto(path)
        expect(page.locator("[data-consent-banner]")).to_have_count(0)
    page.wait_for_load_state("load")
    assert outside.seen == []


def test_accepting_asks_for_gtm_and_the_csp_lets_each_vendor_through(
    tags_page: tuple[Page, Outside], ux: Ux
) -> None:
    page, outside = tags_page
    page.goto("/checkout/bilhete-geral")
    assert outside.seen == []
    _answer_banner(page, "accept_all")
    page.wait_for_url(re.compile(r"/checkout/bilhete-geral$"))
    expect(page.locator("[data-consent-banner]")).to_have_count(0)
    page.wait_for_load_state("load")
    if not ux.js:
        # Without JavaScript only the container's noscript frame can load.
        assert any(f"ns.html?id={GTM_ID}" in url for url in outside.seen)
        assert outside.vendors() == {"gtm"}
        return
    assert _poll(page, "() => window.gtmStandInLoaded === true")
    assert any(f"gtm.js?id={GTM_ID}" in url for url in outside.seen)
    assert _poll(page, f"() => window.vendorsLoaded === {len(VENDOR_SCRIPTS)}")
    assert outside.vendors() == {"gtm", *VENDOR_SCRIPTS}
