"""A buyer downloads and then erases her data, from the email link, in a real browser.

Runs with JavaScript on and off, on a phone and a desktop: every step is a plain link or
form. The outbox worker runs once where `make run` would run it continuously; the emails
are read on the demo mailbox page.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import BrowserErrors, LiveServer, Ux
from tests.e2e.steps import Buyer, buy, expect_order_status, open_mail, pay_on_demo_card_page

pytestmark = pytest.mark.e2e


def test_a_buyer_downloads_and_erases_her_data_from_the_emailed_link(
    page: Page, live_server: LiveServer, email: str, ux: Ux, browser_errors: BrowserErrors
) -> None:
    buyer = Buyer(name="Joana Conceição", email=email)
    buy(page, "bilhete-geral", buyer, "card")
    pay_on_demo_card_page(page)
    expect_order_status(page, "paid")
    order_url = page.url

    # The footer leads to the privacy policy; the privacy centre asks for the email.
    page.goto("/my-data")
    page.locator("#privacy-form input[name=email]").fill(email.upper())
    page.locator("#privacy-form button[type=submit]").click()
    expect(page.locator("[data-privacy-sent]")).to_be_visible()

    text = open_mail(page, live_server, email, "privacidade")
    [link] = re.findall(r"https?://\S+/my-data/access/\S+", text)
    page.goto(link)
    page.locator("[data-open-privacy]").click()
    page.wait_for_url(re.compile(r"/my-data/me$"))
    expect(page.locator("[data-privacy-profile]")).to_contain_text(buyer.name)
    expect(page.locator("[data-privacy-orders] li")).to_have_count(1)

    with page.expect_download() as download:
        page.locator("[data-privacy-download]").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert data["profile"]["email"] == email
    assert data["profile"]["name"] == buyer.name
    assert data["orders"][0]["status"] == "paid"
    assert {m["what"] for m in data["sent_to_outside_systems"]} >= {"order_confirmation"}

    # Erasing needs the box ticked.
    browser_errors.expect(r"status of 422")
    page.locator("[data-erase]").click()
    expect(page.locator("#erase-form .error")).to_be_visible()
    page.locator("#erase-form input[name=confirm]").check()
    page.locator("[data-erase]").click()
    page.wait_for_url(re.compile(r"/my-data/erased$"))
    expect(page.locator("[data-privacy-erased]")).to_be_visible()

    # The link cannot open the centre again, and a last email confirms the erasure.
    browser_errors.expect(r"status of 410")
    page.goto(link)
    expect(page.locator("[data-open-privacy]")).to_have_count(0)
    confirmation = open_mail(page, live_server, email, "apagados")
    assert buyer.name not in confirmation

    # The order page remains (the ticket is paid) but names nobody.
    page.goto(order_url)
    expect(page.locator("[data-erased]")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(buyer.name)
    expect(page.locator("main")).not_to_contain_text(email)
