"""Buying a ticket with the demo card: paid, declined, and a double tap on Pay."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import BrowserErrors, Ux
from tests.e2e.steps import (
    DEMO_CARD_URL,
    ORDER_URL,
    Buyer,
    check_out,
    checkout_form,
    expect_order_status,
    expect_retry_offered,
    expect_shop_page,
    leave_field,
    path_of,
    pay_on_demo_card_page,
    status_block,
    submit_checkout,
)

pytestmark = pytest.mark.e2e


def test_ticket_bought_with_demo_card_ends_paid(
    page: Page, browser_errors: BrowserErrors, email: str
) -> None:
    page.goto("/")
    expect_shop_page(page)
    page.locator('[data-offer="bilhete-geral"] a[href$="/checkout/bilhete-geral"]').click()
    page.wait_for_url(re.compile(r"/checkout/bilhete-geral$"))
    expect_shop_page(page)

    # A first try with a NIF whose check digit is wrong and the terms left unticked.
    buyer = Buyer(name="Ana Lima", email=email)
    browser_errors.expect(r"status of 422")
    mistaken = Buyer(buyer.name, buyer.email, nif="123456780")
    check_out(page, "bilhete-geral", mistaken, "card", accept_terms=False)
    form = checkout_form(page)
    expect(form.get_by_role("alert")).to_be_visible()
    expect(form.locator("#field-nif .error")).to_be_visible()
    expect(form.locator("#field-accept_terms .error")).to_be_visible()
    expect(form.locator("#field-name .error")).to_have_count(0)
    # Everything typed is still there.
    expect(form.locator('[name="name"]')).to_have_value(buyer.name)
    expect(form.locator('[name="email"]')).to_have_value(buyer.email)
    expect(form.locator('[name="phone"]')).to_have_value(buyer.phone)
    expect(form.locator('[name="nif"]')).to_have_value("123456780")
    expect(form.locator('input[name="payment_method"][value="card"]')).to_be_checked()

    form.locator('[name="nif"]').fill(buyer.nif)
    leave_field(form.locator('[name="nif"]'))
    form.locator('[name="accept_terms"]').check()
    submit_checkout(page)

    page.wait_for_url(DEMO_CARD_URL)
    expect_shop_page(page)
    expect(page.locator('[name="cardholder_name"]')).to_have_value(buyer.name)
    expect(page.locator("[data-demo-pay]")).to_have_count(1)
    pay_on_demo_card_page(page)

    expect(page).to_have_url(ORDER_URL)
    expect_shop_page(page)
    expect_order_status(page, "paid")
    expect(page.locator("[data-order-status] button")).to_have_count(0)


def test_declined_card_fails_and_offers_to_pay_again(page: Page, email: str) -> None:
    page.goto("/en/checkout/bilhete-vip")
    expect_shop_page(page, "en")
    check_out(page, "bilhete-vip", Buyer(name="Rita Sousa", email=email), "card", lang_prefix="/en")

    page.wait_for_url(re.compile(r"/en/demo/card/[\w-]+$"))
    expect_shop_page(page, "en")
    pay_on_demo_card_page(page, cardholder="Rita DECLINE Sousa")

    expect(page).to_have_url(re.compile(r"/en/order/[\w-]+$"))
    expect_shop_page(page, "en")
    expect_order_status(page, "failed")
    expect_retry_offered(page)

    # The same order, in Portuguese.
    english_path = path_of(page)
    page.locator("nav.lang-switch a[data-lang-switch]").click()
    page.wait_for_url(lambda url: "/en/" not in url)
    assert "/en" + path_of(page) == english_path
    expect_shop_page(page, "pt-PT")
    expect_order_status(page, "failed")
    expect_retry_offered(page)


def test_double_tap_on_pay_takes_one_seat(
    page: Page, ux: Ux, fresh_offer: Callable[..., str], email: str
) -> None:
    slug = fresh_offer(capacity=3)
    page.goto(f"/checkout/{slug}")
    seats = page.locator("[data-seats-left]")
    expect(seats).to_have_attribute("data-seats-left", "3")
    check_out(page, slug, Buyer(name="Inês Duarte", email=email), "card", double_tap=True)

    if ux.js:
        # The second tap is ignored while the first is on its way: straight to payment.
        page.wait_for_url(DEMO_CARD_URL)
    else:
        # The browser sends the form twice; the repeat lands on the order's own page.
        page.wait_for_url(re.compile(r"/(demo/card|order)/[\w-]+$"))
        if ORDER_URL.search(page.url):
            expect_order_status(page, "awaiting_payment")
            status_block(page).locator('a[href*="/demo/card/"]').click()
            page.wait_for_url(DEMO_CARD_URL)
    pay_on_demo_card_page(page)
    expect_order_status(page, "paid")

    page.goto(f"/checkout/{slug}")
    expect(seats).to_have_attribute("data-seats-left", "2")
