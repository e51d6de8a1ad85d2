"""Two tickets in one order on a phone: choose 2, name the friend, pay with the demo card,
and the order says "2 × Bilhete Geral" at the total of both. Without JavaScript the
"Update" button draws the second row (keeping what was typed); with it, htmx does on change."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import UXES, Ux
from tests.e2e.steps import (
    DEMO_CARD_URL,
    NBSP,
    ORDER_URL,
    Buyer,
    checkout_form,
    expect_order_status,
    expect_shop_page,
    fill_checkout,
    pay_on_demo_card_page,
    submit_checkout,
    wait_for_htmx,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("ux", [ux for ux in UXES if ux.device == "phone"], ids=lambda ux: ux.id)
def test_two_tickets_with_two_names_bought_on_a_phone(page: Page, ux: Ux, email: str) -> None:
    page.goto("/checkout/bilhete-geral")
    expect_shop_page(page)
    buyer = Buyer(name="Marta Ferreira", email=email)
    fill_checkout(page, buyer, "card")
    form = checkout_form(page)
    expect(form.locator("[data-attendee]")).to_have_count(0)

    form.locator('[name="quantity"]').select_option("2")
    if ux.js:
        wait_for_htmx(page)
    else:
        form.locator('button[name="update"]').click()
        page.wait_for_load_state()
        form = checkout_form(page)
        # The page came back with everything typed, and a row per ticket.
        expect(form.locator('[name="name"]')).to_have_value(buyer.name)
        expect(form.locator('[name="email"]')).to_have_value(buyer.email)
        expect(form.locator('[name="accept_terms"]')).to_be_checked()
    expect(form.locator("[data-attendee]")).to_have_count(2)
    expect(page.locator("[data-total]")).to_have_text(f"294,00{NBSP}€")
    expect(form.locator("button[data-pay]")).to_contain_text(f"294,00{NBSP}€")

    form.locator('[name="attendees-0-name"]').fill("Marta Ferreira")
    form.locator('[name="attendees-1-name"]').fill("Sofia Ramos")
    form.locator('[name="attendees-1-email"]').fill(f"sofia-{email}")
    submit_checkout(page)

    page.wait_for_url(DEMO_CARD_URL)
    expect(page.locator("h1")).to_contain_text(f"294,00{NBSP}€")
    pay_on_demo_card_page(page)
    expect(page).to_have_url(ORDER_URL)
    expect_order_status(page, "paid")
    expect(page.locator("[data-order-tickets]")).to_have_text("2 × Bilhete Geral")
    expect(page.locator(".totals .price")).to_have_text(f"294,00{NBSP}€")
