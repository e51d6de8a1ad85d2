"""Paying with the demo MB WAY: approved, rejected, and left unanswered until it expires.

The order page follows the payment by itself: htmx polls it every 2 s with JavaScript,
a `<meta http-equiv=refresh>` reloads it every 3 s without.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.harness import SHORT_MBWAY_TIMEOUT_SECONDS, LiveServer, Ux
from tests.e2e.steps import (
    DEMO_CARD_URL,
    FOLLOW_TIMEOUT_MS,
    ORDER_URL,
    Buyer,
    answer_on_demo_phone,
    buy,
    checkout_form,
    demo_phone_link,
    expect_order_status,
    expect_retry_offered,
    expect_shop_page,
    pay_on_demo_card_page,
    retry_button,
)

pytestmark = pytest.mark.e2e


def _documents_loaded(page: Page) -> list[str]:
    """Documents the tab loads from now on: a page that updates in place loads none."""
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    return loads


def _order_requests(page: Page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda request: "/order/" in request.url and requests.append(request.url))
    return requests


def test_mbway_approved_on_demo_phone_ends_paid(
    page: Page, context: BrowserContext, ux: Ux, email: str
) -> None:
    buy(page, "bilhete-geral", Buyer(name="Beatriz Costa", email=email), "mb_way")
    order_url = page.url
    expect_shop_page(page)
    expect_order_status(page, "awaiting_payment")
    link = demo_phone_link(page)
    expect(link).to_be_visible()

    if ux.js:
        # The buyer approves on "her phone" (another tab) and watches this page update.
        loads = _documents_loaded(page)
        phone = context.new_page()
        phone.goto(link.get_attribute("href") or "")
        expect_shop_page(phone)
        answer_on_demo_phone(phone, "approve")
        expect_order_status(phone, "paid")
        expect_order_status(page, "paid", timeout=FOLLOW_TIMEOUT_MS)
        assert loads == [], f"the order page reloaded instead of updating in place: {loads}"
    else:
        link.click()
        expect_shop_page(page)
        answer_on_demo_phone(page, "approve")
        expect_order_status(page, "paid")
    assert page.url == order_url

    # Once paid, the page stops asking the server: no 2 s poll, no 3 s refresh.
    requests = _order_requests(page)
    page.wait_for_timeout(2_500 if ux.js else 3_500)
    assert requests == [], f"the order page kept following a paid order: {requests}"
    expect_order_status(page, "paid")


def test_mbway_rejected_ends_failed_and_card_retry_pays(
    page: Page, context: BrowserContext, ux: Ux, email: str
) -> None:
    buy(page, "bilhete-geral", Buyer(name="Carla Nunes", email=email), "mb_way")
    order_url = page.url
    expect_order_status(page, "awaiting_payment")
    link = demo_phone_link(page)

    if ux.js:
        link.click()
        answer_on_demo_phone(page, "reject")
        assert page.url == order_url
    else:
        # Without JavaScript the waiting page reloads itself until the answer arrives.
        phone = context.new_page()
        phone.goto(link.get_attribute("href") or "")
        answer_on_demo_phone(phone, "reject")
        expect_order_status(phone, "failed")
    expect_order_status(page, "failed", timeout=FOLLOW_TIMEOUT_MS)
    expect_shop_page(page)
    expect_retry_offered(page)
    expect(demo_phone_link(page)).to_have_count(0)

    retry_button(page, "card").click()
    page.wait_for_url(DEMO_CARD_URL)
    pay_on_demo_card_page(page)
    expect(page).to_have_url(order_url)
    expect_order_status(page, "paid")


def test_unanswered_mbway_request_expires_and_releases_the_seat(
    open_context: Callable[[str], BrowserContext], short_mbway_server: LiveServer, email: str
) -> None:
    slug = short_mbway_server.add_offer(capacity=1)
    context = open_context(short_mbway_server.url)
    page = context.new_page()
    buy(page, slug, Buyer(name="Diana Reis", email=email), "mb_way")
    order_url = page.url
    expect_order_status(page, "awaiting_payment")

    # While the request waits, its seat (the only one) is held for this buyer.
    other = context.new_page()
    other.goto(f"/checkout/{slug}")
    expect(other.locator("[data-sold-out]")).to_be_visible()
    expect(checkout_form(other)).to_have_count(0)

    expect_order_status(
        page, "expired", timeout=SHORT_MBWAY_TIMEOUT_SECONDS * 1_000 + FOLLOW_TIMEOUT_MS
    )
    expect_shop_page(page)
    expect_retry_offered(page)
    assert page.url == order_url

    # The seat is free again: the checkout form is back for everyone...
    other.reload()
    expect(checkout_form(other)).to_be_visible()
    # ...and the buyer can still take it by paying by card.
    retry_button(page, "card").click()
    page.wait_for_url(DEMO_CARD_URL)
    pay_on_demo_card_page(page)
    expect(page).to_have_url(ORDER_URL)
    expect_order_status(page, "paid")
