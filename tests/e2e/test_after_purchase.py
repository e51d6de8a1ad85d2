"""After a demo purchase: the attendee page, and the confirmation email the worker wrote.

The embedded default has no SMTP server: the outbox worker writes each email as an
.eml file, which demo mode lists at /demo/mail. The test runs the worker once, as
`make run` does continuously, and reads the email as a person would.
"""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.e2e.harness import LiveServer, Ux
from tests.e2e.steps import Buyer, buy, expect_order_status, pay_on_demo_card_page, status_block

pytestmark = pytest.mark.e2e


def test_a_paid_buyer_gets_an_attendee_page_and_a_confirmation_email(
    page: Page, live_server: LiveServer, email: str, ux: Ux
) -> None:
    buy(page, "bilhete-geral", Buyer(name="Rita Lopes", email=email), "card")
    pay_on_demo_card_page(page)
    expect_order_status(page, "paid")
    order_ref = page.locator(".eyebrow").first.inner_text().split()[-1]
    if ux.js:
        # The dataLayer, as the browser holds it: the journey, then the sale, once.
        events = page.evaluate("() => window.dataLayer.filter(e => e && e.event)")
        journey = next(e for e in events if e["event"] == "journey_progression")
        assert journey["user"]["stage"] == "purchase"
        assert journey["page"]["type"] == "order"
        assert len(journey["user"]["id"]) == 64
        [purchase] = [e for e in events if e["event"] == "purchase"]
        assert purchase["ecommerce"]["value"] == 147
        assert purchase["ecommerce"]["currency"] == "EUR"
        assert purchase["ecommerce"]["transaction_id"].replace("-", "")[:8] == order_ref.lower()
        assert email not in str(events) and "Rita" not in str(events)
        page.reload()
        again = page.evaluate("() => window.dataLayer.filter(e => e && e.event === 'purchase')")
        assert again == []

    status_block(page).locator("a[data-attendee-link]").click()
    page.wait_for_url(re.compile(r"/attendee/[\w-]+$"))
    expect(page.locator("[data-attendee-page]")).to_contain_text("Rita Lopes")
    expect(page.locator("a[data-community-link]")).to_be_visible()
    calendar_url = page.locator("a[data-calendar-download]").get_attribute("href")
    invite = page.request.get(calendar_url)
    assert invite.ok
    assert invite.headers["content-type"].startswith("text/calendar")
    [event] = Calendar.from_ical(invite.body()).walk("VEVENT")
    assert event.decoded("dtstart").tzinfo.key == "Europe/Lisbon"

    live_server.flask("outbox", "work", "--until-idle")
    page.goto("/demo/mail")
    mail = page.locator(".mail-list li", has_text=email)
    expect(mail).to_have_count(1)
    expect(mail).to_contain_text("O seu bilhete para o Café com Vendas está confirmado")
    mail.locator("a").click()
    text = page.locator("[data-mail-text]")
    expect(text).to_contain_text("Olá Rita Lopes,")
    expect(text).to_contain_text(order_ref)
    expect(text).to_contain_text("/attendee/")
    attachment = page.locator("a[data-mail-attachment]")
    expect(attachment).to_have_text("cafe-com-vendas-2027.ics")
    assert page.request.get(attachment.get_attribute("href")).ok
