"""A company buys, opens its invoice, is refunded from the back office and opens the
credit note; JavaScript on and off, phone and desktop (the demo invoicer)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import BrowserErrors, LiveServer, Ux
from tests.e2e.steps import (
    Buyer,
    checkout_form,
    expect_order_status,
    fill_checkout,
    leave_field,
    pay_on_demo_card_page,
    sign_in_staff,
    submit_checkout,
)

pytestmark = pytest.mark.e2e


def test_a_company_gets_its_invoice_and_a_credit_note_after_a_refund(
    page: Page, live_server: LiveServer, email: str, ux: Ux, browser_errors: BrowserErrors
) -> None:
    page.goto("/checkout/bilhete-geral")
    form = checkout_form(page)
    company_fields = form.locator(".company-fields")
    expect(company_fields).to_be_hidden()
    fill_checkout(page, Buyer(name="Rosa Lima", email=email, nif=""), "card")
    form.locator('[name="company_invoice"]').check()
    expect(company_fields).to_be_visible()
    form.locator('[name="company_name"]').fill("Pastelaria Aurora, Lda.")
    form.locator('[name="company_nif"]').fill("509442013")
    form.locator('[name="company_address"]').fill("Rua das Flores 12")
    form.locator('[name="company_postcode"]').fill("4050-265")
    form.locator('[name="company_city"]').fill("Porto")
    leave_field(form.locator('[name="company_city"]'))
    submit_checkout(page)
    pay_on_demo_card_page(page)
    expect_order_status(page, "paid")
    order_url = page.url

    reference = page.locator(".eyebrow").first.inner_text().split()[-1]
    live_server.flask("outbox", "work", "--until-idle")
    page.goto(order_url)
    page.locator("[data-invoice]").click()
    invoice = page.locator("[data-invoice-document]")
    expect(invoice).to_contain_text("Pastelaria Aurora, Lda.")
    expect(page.locator("[data-invoice-nif]")).to_have_text("509442013")
    expect(page.locator("[data-demo-document]")).to_be_visible()

    sign_in_staff(page, live_server, "owner")
    page.goto(f"/staff/orders?q={reference}")
    page.locator(f'[data-order-ref="{reference}"] a').click()
    page.locator('[data-action="refund"]').click()
    page.locator('[name="confirm"]').check()
    page.locator("[data-confirm-action]").click()
    expect(page.locator("[data-done]")).to_be_visible()

    live_server.flask("outbox", "work", "--until-idle")
    page.goto(order_url)
    page.locator("[data-credit-note]").click()
    expect(page.locator("[data-invoice-document]")).to_have_attribute(
        "data-invoice-document", "credit_note"
    )
    expect(page.locator("[data-invoice-total]")).to_contain_text("147,00")
