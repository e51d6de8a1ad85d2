"""A discount code from the back office to a paid order, on a phone with JavaScript off:
marketing makes the code, a buyer types it, presses "Aplicar", sees the new total with
everything she typed kept, pays with the demo card, and the order shows the discount."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import BrowserErrors, LiveServer, Ux
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
    sign_in_staff,
    wait_for_htmx,
)

pytestmark = pytest.mark.e2e


def make_code(page: Page, live_server: LiveServer, code: str, percent: str) -> None:
    """Marketing makes a code with 3 uses in the back office, as a member does."""
    sign_in_staff(page, live_server, "marketing")
    page.goto("/staff/discounts")
    page.locator("[data-new-code]").click()
    form = page.locator("#discount-form")
    form.locator('[name="code"]').fill(code.lower())
    form.locator('input[name="kind"][value="percent"]').check()
    form.locator('[name="value"]').fill(percent)
    form.locator('[name="max_uses"]').fill("3")
    form.locator("[data-save-code]").click()
    expect(page.locator(f'[data-code="{code}"]')).to_be_visible()


@pytest.fixture
def ux() -> Ux:
    """The hardest case only: a phone's screen without JavaScript."""
    return Ux("phone", js=False)


def test_a_code_made_in_the_back_office_is_applied_and_paid_with_javascript_off(
    page: Page,
    live_server: LiveServer,
    fresh_offer: Callable[..., str],
    email: str,
    browser_errors: BrowserErrors,
) -> None:
    slug = fresh_offer(capacity=5)
    code = f"E2E{uuid.uuid4().hex[:6].upper()}"
    make_code(page, live_server, code, percent="20")
    expect(page.locator(f'[data-code="{code}"] [data-uses]')).to_have_text("0 / 3")

    page.goto(f"/checkout/{slug}")
    expect_shop_page(page)
    buyer = Buyer(name="Beatriz Lopes", email=email)
    fill_checkout(page, buyer, "card")
    checkout = checkout_form(page)
    # An unknown code comes back as a 422 page (bad input), which the browser reports.
    browser_errors.expect(r"status of 422")
    checkout.locator('[name="promo_code"]').fill("NAO-EXISTE")
    checkout.locator("[data-apply-promo]").click()
    checkout = checkout_form(page)
    expect(checkout.locator("[data-promo-error]")).to_contain_text("Não conhecemos este código")
    expect(checkout.locator('[name="name"]')).to_have_value(buyer.name)

    checkout.locator('[name="promo_code"]').fill(code.lower())
    checkout.locator("[data-apply-promo]").click()
    checkout = checkout_form(page)
    expect(checkout.locator("[data-promo-applied]")).to_be_visible()
    expect(checkout.locator("[data-discount]")).to_have_text(f"−29,40{NBSP}€")
    expect(checkout.locator("[data-form-total]")).to_have_text(f"117,60{NBSP}€")
    # What she typed is all still there, the terms box included.
    expect(checkout.locator('[name="name"]')).to_have_value(buyer.name)
    expect(checkout.locator('[name="email"]')).to_have_value(buyer.email)
    expect(checkout.locator('[name="phone"]')).to_have_value(buyer.phone)
    expect(checkout.locator('[name="accept_terms"]')).to_be_checked()
    pay = checkout.locator("button.button--pay")
    expect(pay).to_have_text(f"Pagar 117,60{NBSP}€")
    pay.click()

    page.wait_for_url(DEMO_CARD_URL)
    expect(page.locator("[data-demo-pay]")).to_contain_text("117,60")
    pay_on_demo_card_page(page)
    expect(page).to_have_url(ORDER_URL)
    expect_order_status(page, "paid")
    expect(page.locator("[data-order-discount]")).to_have_text(f"−29,40{NBSP}€")

    page.goto("/staff/discounts")
    expect(page.locator(f'[data-code="{code}"] [data-uses]')).to_have_text("1 / 3")


@pytest.mark.parametrize("ux", [Ux("phone", js=True)], ids=["phone-js"])
def test_with_javascript_apply_updates_the_total_in_place(
    page: Page, live_server: LiveServer, fresh_offer: Callable[..., str], ux: Ux
) -> None:
    slug = fresh_offer(capacity=5)
    code = f"E2E{uuid.uuid4().hex[:6].upper()}"
    make_code(page, live_server, code, percent="10")
    page.goto(f"/checkout/{slug}")
    wait_for_htmx(page)
    # A mark on the page's window: a full reload would wipe it, an htmx swap keeps it.
    page.evaluate("window.stayedHere = true")
    checkout = checkout_form(page)
    checkout.locator('[name="name"]').fill("Beatriz Lopes")
    checkout.locator('[name="promo_code"]').fill(code.lower())
    checkout.locator("[data-apply-promo]").click()
    expect(checkout_form(page).locator("[data-form-total]")).to_have_text(f"132,30{NBSP}€")
    expect(checkout_form(page).locator('[name="name"]')).to_have_value("Beatriz Lopes")
    assert page.evaluate("window.stayedHere") is True
