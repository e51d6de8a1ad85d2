"""The back office walked in a browser, by each role, with JavaScript on and off, on a
phone and a desktop: sign in through the demo mailbox, then do the role's work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import BrowserErrors, LiveServer, Ux
from tests.e2e.steps import Buyer, buy, expect_order_status, pay_on_demo_card_page, sign_in_staff

pytestmark = pytest.mark.e2e


def _fits_a_small_phone(page: Page) -> None:
    """At 360 px wide the page is no wider than the phone and no card scrolls sideways:
    wide tables scroll in their own region (and the labels hidden in them stay there)."""
    viewport = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    widths = page.evaluate("() => [window.innerWidth, document.documentElement.scrollWidth]")
    sideways = page.evaluate(
        """() => Array.from(document.querySelectorAll(".staff-card"))
            .filter(card => card.scrollWidth > card.clientWidth)
            .map(card => card.getAttribute("aria-labelledby"))"""
    )
    page.set_viewport_size(viewport)
    assert widths == [360, 360]
    assert sideways == []


def test_the_owner_finds_a_purchase_refunds_half_resends_and_exports(
    page: Page, live_server: LiveServer, email: str, ux: Ux, browser_errors: BrowserErrors
) -> None:
    buyer = Buyer(name="Inês Prata", email=email)
    buy(page, "bilhete-geral", buyer, "card")
    pay_on_demo_card_page(page)
    expect_order_status(page, "paid")
    reference = page.locator(".eyebrow").first.inner_text().split()[-1]

    sign_in_staff(page, live_server, "owner")
    expect(page.locator("[data-seats]")).to_be_visible()
    expect(page.locator("[data-funnel] svg").first).to_be_visible()
    # On a small phone (360 px wide) no card of the dashboard scrolls sideways: wide
    # tables scroll in their own region.
    _fits_a_small_phone(page)
    page.get_by_role("link", name="Encomendas").click()
    page.locator("#q").fill(email)
    page.get_by_role("button", name="Procurar").click()
    row = page.locator(f'[data-order-ref="{reference}"]')
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.locator("[data-attendee-name]")).to_have_text("Inês Prata")
    _fits_a_small_phone(page)

    page.locator('[data-action="refund"]').click()
    page.locator('[name="amount"]').fill("73,50")
    browser_errors.expect(r"status of 422")
    page.locator("[data-confirm-action]").click()
    expect(page.locator("#field-confirm .error")).to_be_visible()
    expect(page.locator('[name="amount"]')).to_have_value("73,50")
    page.locator('[name="confirm"]').check()
    page.locator("[data-confirm-action]").click()
    expect(page.locator("[data-done]")).to_be_visible()
    expect(page.locator("[data-refunded]")).to_contain_text("73,50")

    page.locator('[data-action="resend"]').click()
    page.locator('[name="confirm"]').check()
    page.locator("[data-confirm-action]").click()
    expect(page.locator("[data-done]")).to_be_visible()

    page.get_by_role("link", name="Participantes").click()
    expect(page.locator("[data-attendees]")).to_contain_text("Inês Prata")
    with page.expect_download() as download:
        page.locator("[data-export-attendees]").click()
    text = download.value.path().read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("name,email") and "Inês Prata" in text

    page.get_by_role("link", name="Registo de auditoria").click()
    # The server is shared by the test's runs: the newest entry is this refund's.
    expect(page.locator('[data-audit] [data-action="order.refund"]').first).to_be_visible()


def test_marketing_sees_the_dashboard_the_wording_preview_and_leads_but_no_orders(
    page: Page, live_server: LiveServer, ux: Ux, browser_errors: BrowserErrors
) -> None:
    sign_in_staff(page, live_server, "marketing")
    expect(page.locator("[data-funnel]")).to_be_visible()
    # The landing page in its sandboxed frame, and no error from the frame in the console.
    page.goto("/staff/wording/preview?lang=pt_PT")
    expect(page.frame_locator("[data-preview-frame]").locator("h1")).to_be_visible()
    expect(page.get_by_role("link", name="Encomendas")).to_have_count(0)
    page.get_by_role("link", name="Leads").click()
    expect(page.locator("[data-leads]")).to_be_visible()
    browser_errors.expect(r"status of 403")
    page.goto("/staff/orders")
    expect(page.locator("h1")).to_be_visible()
    assert page.locator("[data-order-results]").count() == 0


def test_the_door_sees_only_check_in_and_the_attendee_list(
    page: Page, live_server: LiveServer, ux: Ux, browser_errors: BrowserErrors
) -> None:
    sign_in_staff(page, live_server, "door")
    expect(page.locator("[data-checkin-form]")).to_be_visible()
    page.get_by_role("link", name="Participantes", exact=True).click()
    expect(page.locator("[data-attendees]")).to_be_visible()
    expect(page.get_by_role("link", name="Painel")).to_have_count(0)
    page.locator("[data-sign-out]").click()
    page.wait_for_url(re.compile(r"/staff/login"))
    page.goto("/staff/attendees")
    page.wait_for_url(re.compile(r"/staff/login"))


def test_an_image_too_large_comes_back_with_its_descriptions_and_why(
    page: Page, live_server: LiveServer, ux: Ux, browser_errors: BrowserErrors, tmp_path
) -> None:
    # 11.7 MB: refused by the server by its length, before the body is read.
    large = tmp_path / "grande.png"
    large.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 11_700_000)
    sign_in_staff(page, live_server, "marketing")
    page.get_by_role("link", name="Imagens").click()
    page.locator("#alt_pt").fill("Uma mesa com café")
    page.locator("#alt_en").fill("A table with coffee")
    page.locator("#file").set_input_files(str(large))
    browser_errors.expect(r"status of 413")
    page.locator("[data-upload]").click()
    expect(page.locator("#file-error")).to_contain_text("maior do que 10 MB")
    expect(page.locator("#alt_pt")).to_have_value("Uma mesa com café")
    expect(page.locator("#alt_en")).to_have_value("A table with coffee")
