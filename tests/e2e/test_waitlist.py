"""The waiting list as a person on a phone without JavaScript meets it: the ticket is sold
out, she joins the list, a seat frees up (the owner refunds a buyer), the email's link
opens the checkout on the seat held for her, and she pays."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import BrowserErrors, LiveServer, Ux
from tests.e2e.steps import (
    Buyer,
    buy,
    checkout_form,
    expect_order_status,
    expect_shop_page,
    open_mail,
    path_of,
    pay_on_demo_card_page,
    sign_in_staff,
)

pytestmark = pytest.mark.e2e


def test_sold_out_join_the_list_a_seat_frees_and_the_emailed_link_buys_it(
    page: Page, live_server: LiveServer, email: str, ux: Ux, browser_errors: BrowserErrors
) -> None:
    if ux.id != "phone-nojs":
        pytest.skip("one journey: the hardest way in (a phone, no JavaScript)")
    slug = live_server.add_offer(capacity=1)
    first = Buyer(name="Rita Primeira", email=f"first-{email}")
    buy(page, slug, first, "card")
    pay_on_demo_card_page(page)
    expect_order_status(page, "paid")
    reference = page.locator(".eyebrow").first.inner_text().split()[-1]

    # Sold out: the checkout offers the waiting list, and says what it will send.
    page.goto(f"/checkout/{slug}")
    expect(page.locator("[data-sold-out]")).to_be_visible()
    form = page.locator(f'[data-waitlist-form="{slug}"]')
    expect(form.locator("[data-waitlist-consent]")).to_contain_text("um único email")
    form.locator(f'[name="waitlist-{slug}-name"]').fill("Sara Espera")
    form.locator(f'[name="waitlist-{slug}-email"]').fill("sara@")
    browser_errors.expect(r"status of 422")
    form.get_by_role("button", name="Entrar na lista de espera").click()
    # A mistake comes back in words, with what was typed kept.
    form = page.locator(f'[data-waitlist-form="{slug}"]')
    expect(form.locator(".error")).to_be_visible()
    expect(form.locator(f'[name="waitlist-{slug}-name"]')).to_have_value("Sara Espera")
    form.locator(f'[name="waitlist-{slug}-email"]').fill(email)
    form.get_by_role("button", name="Entrar na lista de espera").click()
    expect(page.locator("[data-waitlist-joined]")).to_be_visible()
    assert path_of(page) == f"/waitlist/{slug}/joined"
    expect_shop_page(page)

    # The owner refunds the first buyer: the seat frees up, and the clock offers it.
    sign_in_staff(page, live_server, "owner")
    page.get_by_role("link", name="Encomendas").click()
    page.locator("#q").fill(first.email)
    page.get_by_role("button", name="Procurar").click()
    page.locator(f'[data-order-ref="{reference}"]').get_by_role("link").click()
    page.locator('[data-action="refund"]').click()
    page.locator('[name="confirm"]').check()
    page.locator("[data-confirm-action]").click()
    expect(page.locator("[data-done]")).to_be_visible()
    live_server.flask("orders", "offer-freed-seats")
    page.get_by_role("link", name="Lista de espera").click()
    expect(page.locator(f'[data-waitlist="{slug}"] [data-state="offered"]')).to_have_count(1)

    # Anyone else still sees it sold out.
    page.goto(f"/checkout/{slug}")
    expect(page.locator("[data-sold-out]")).to_be_visible()

    text = open_mail(page, live_server, email, "Há um lugar livre para si")
    [link] = re.findall(r"https?://\S+/checkout/\S+claim=\S+", text)
    page.goto(link)
    expect(page.locator("[data-claim]")).to_be_visible()
    form = checkout_form(page)
    expect(form.locator('[name="email"]')).to_have_value(email)
    expect(form.locator('[name="name"]')).to_have_value("Sara Espera")
    form.locator('[name="phone"]').fill("912 345 678")
    form.locator('input[name="payment_method"][value="card"]').check()
    form.locator('[name="accept_terms"]').check()
    form.locator("[data-pay]").click()
    pay_on_demo_card_page(page)
    expect_order_status(page, "paid")
    expect_shop_page(page)
