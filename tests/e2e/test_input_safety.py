"""Hostile text typed into the lead form stays text: shown back in the field, never run."""

from __future__ import annotations

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.e2e.harness import BrowserErrors, Ux
from tests.e2e.steps import expect_shop_page

pytestmark = pytest.mark.e2e

PAYLOADS = ['"><img src=x onerror=alert(1)>', "<script>alert(document.domain)</script>"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_script_typed_as_a_name_comes_back_as_text_and_runs_nothing(
    page: Page, ux: Ux, browser_errors: BrowserErrors, email: str, payload: str
) -> None:
    dialogs: list[str] = []

    def seen(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", seen)
    page.goto("/leads")
    expect_shop_page(page)
    form = page.locator("form#lead-form")
    form.locator('[name="name"]').fill(payload)
    form.locator('[name="email"]').fill(email)
    form.locator('[name="business_type"]').select_option("digital")
    form.locator('[name="business_stage"]').select_option("starting")
    browser_errors.expect(r"status of 422")
    form.locator('button[type="submit"]').click()

    # Refused, with the name marked, and what was typed still there as plain text.
    expect(form.locator("#field-name .error")).to_be_visible()
    expect(form.locator('[name="name"]')).to_have_value(payload)
    expect(form.locator('[name="email"]')).to_have_value(email)
    expect(page.locator("[data-lead-saved]")).to_have_count(0)
    # Nothing the payload describes became part of the page.
    expect(page.locator('img[src="x"]')).to_have_count(0)
    assert (
        page.locator("script:not([src])").evaluate_all(
            "scripts => scripts.filter(s => s.textContent.includes('alert(')).length"
        )
        == 0
    )
    page.wait_for_timeout(300)  # time for an injected onerror to fire, if there were one
    assert dialogs == []
