"""A buyer on a phone without JavaScript pays in demo mode and finds her ticket: its QR and
its code on the attendee page, and a printable page that holds it. Then the owner, on the
same phone, refunds that seat from the order's list of tickets and sees it void."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import LiveServer, Ux
from tests.e2e.steps import (
    Buyer,
    buy,
    expect_order_status,
    pay_on_demo_card_page,
    sign_in_staff,
    status_block,
)

pytestmark = pytest.mark.e2e

CODE = re.compile(r"^[0-9A-Z]{8}-[0-9A-Z]{8}$")


@pytest.mark.parametrize("ux", [Ux("phone", js=False)], ids=lambda ux: ux.id)
def test_a_buyer_sees_her_ticket_qr_and_code_and_can_print_it(
    page: Page, live_server: LiveServer, email: str
) -> None:
    buy(page, "bilhete-geral", Buyer(name="Rita Lopes", email=email), "card")
    pay_on_demo_card_page(page)
    expect_order_status(page, "paid")
    reference = page.locator(".eyebrow").first.inner_text().split()[-1]
    status_block(page).locator("a[data-attendee-link]").click()
    page.wait_for_url(re.compile(r"/attendee/[\w-]+$"))

    ticket = page.locator("[data-ticket]")
    expect(ticket).to_have_count(1)
    expect(ticket).to_contain_text("Rita Lopes")
    qr = ticket.locator("svg.ticket-qr")
    expect(qr).to_be_visible()
    # Big enough for a door phone to read at arm's length, and within the phone's width.
    box = qr.bounding_box()
    assert box is not None and 200 <= box["width"] <= page.viewport_size["width"]
    code = ticket.locator("[data-ticket-code]").inner_text().strip()
    assert CODE.match(code), code

    page.locator("a[data-print-tickets]").click()
    page.wait_for_url(re.compile(r"/attendee/[\w-]+/tickets$"))
    printed = page.locator("[data-ticket]")
    expect(printed).to_have_count(1)
    expect(printed.locator("svg.ticket-qr")).to_be_visible()
    expect(printed.locator("[data-ticket-code]")).to_have_text(code)
    # The print layout renders (A4), with the ticket on it.
    assert page.pdf(format="A4")[:4] == b"%PDF"

    sign_in_staff(page, live_server, "owner")
    page.goto(f"/staff/orders?q={reference}")
    page.locator(f'[data-order-ref="{reference}"]').get_by_role("link").click()
    row = page.locator("[data-order-tickets] [data-ticket-row]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(code)
    row.locator("[data-refund-ticket]").click()
    page.locator('[name="confirm"]').check()
    page.locator("[data-confirm-action]").click()
    expect(page.locator("[data-done]")).to_be_visible()
    expect(page.locator('[data-ticket-row="void"]')).to_contain_text(code)
    # Her only seat: the order is refunded in full.
    expect(page.locator("[data-order-status]")).to_have_attribute("data-order-status", "refunded")
