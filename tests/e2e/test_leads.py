"""Leaving a lead: a mistake is pointed out without losing what was typed, and the
emailed link shows what will be saved before the person confirms it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import BrowserErrors, LiveServer, Ux
from tests.e2e.steps import expect_shop_page, leave_field, open_mail, path_of

pytestmark = pytest.mark.e2e


def test_lead_left_after_fixing_a_bad_email_and_confirmed_from_the_email(
    page: Page, ux: Ux, browser_errors: BrowserErrors, email: str, live_server: LiveServer
) -> None:
    page.goto("/leads")
    expect_shop_page(page)
    form = page.locator("form#lead-form")
    consent = form.locator('[name="marketing_consent"]')
    expect(consent).not_to_be_checked()

    form.locator('[name="name"]').fill("Carla Mendes")
    form.locator('[name="email"]').fill("carla.mendes@")
    form.locator('[name="business_type"]').select_option("food")
    form.locator('[name="business_stage"]').select_option("growing")
    # Each choice is checked inline as it changes: let those land before sending.
    leave_field(form.locator('[name="business_stage"]'))
    browser_errors.expect(r"status of 422")
    form.locator('button[type="submit"]').click()

    # The form comes back asking for corrections (inline validation alone marks a field,
    # but never says this), with the mistake pointed out.
    expect(form.get_by_role("alert")).to_be_visible()
    expect(form.locator("#field-email .error")).to_be_visible()
    expect(form.locator("#field-name .error")).to_have_count(0)
    expect(form.locator('[name="name"]')).to_have_value("Carla Mendes")
    expect(form.locator('[name="email"]')).to_have_value("carla.mendes@")
    expect(form.locator('[name="business_type"]')).to_have_value("food")
    expect(form.locator('[name="business_stage"]')).to_have_value("growing")
    expect(page.locator("[data-lead-saved]")).to_have_count(0)

    form.locator('[name="email"]').fill(email)
    leave_field(form.locator('[name="email"]'))
    consent.check()
    form.locator('button[type="submit"]').click()

    expect(page.locator("[data-lead-saved]")).to_be_visible()
    expect(page.locator("form#lead-form")).to_have_count(0)
    expect_shop_page(page)
    # With JavaScript the note takes the form's place; without, the thank-you page.
    assert path_of(page) == ("/leads" if ux.js else "/leads/thanks")

    # The email's link opens a page that shows what will be saved; its button confirms.
    text = open_mail(page, live_server, email, "Confirme o seu email")
    [link] = re.findall(r"https?://\S+/leads/confirm/\S+", text)
    page.goto(link)
    summary = page.locator("[data-submission]")
    expect(summary).to_contain_text("Carla Mendes")
    expect(summary.locator("[data-marketing-consent]")).to_have_text("Sim")
    page.locator("[data-confirm-lead]").click()
    expect(page.locator("[data-lead-confirmed]")).to_be_visible()
    expect_shop_page(page)
