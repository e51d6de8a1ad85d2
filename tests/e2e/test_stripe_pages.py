"""The MB WAY waiting page and the Multibanco voucher page, with Stripe played by a double.

The shop runs against `StripeDouble` (a local HTTP server answering in Stripe's shapes).
To move a payment along, a test does what Stripe does: it changes the PaymentIntent in
the double, then delivers the signed webhook event to the live server. Stripe's hosted
Checkout page, where a card retry leads, is played by the browser context.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from tests.e2e.harness import (
    STRIPE_CHECKOUT,
    UXES,
    LiveServer,
    SessionStripeDouble,
    Ux,
    deliver_stripe_event,
)
from tests.e2e.steps import (
    FOLLOW_TIMEOUT_MS,
    NBSP,
    Buyer,
    buy,
    expect_order_status,
    expect_shop_page,
    retry_button,
    status_block,
)
from tests.stripe_double import MULTIBANCO_ENTITY

pytestmark = pytest.mark.e2e

LISBON = ZoneInfo("Europe/Lisbon")
GENERAL_TICKET_PRICE = f"147,00{NBSP}€"
# The copy the buyer must read, from the pt-PT catalog.
APPROVE_IN_MBWAY_APP = "Aprove o pagamento na app MB WAY"
PAYMENT_FAILED = "O pagamento não foi concluído"
PAY_BY = "Pagar até"
PAY_BY_CARD = "Pagar com cartão"
COPY = "Copiar"
# The shop learns a payment from the webhook or, when that is late, by reading the
# PaymentIntent at Stripe (at most every 5 s while the page polls): either may be first.
PAID_NOW_OR_ALREADY = {"paid", "already paid"}


def _documents_loaded(page: Page) -> list[str]:
    """Documents the tab loads from now on: a page that updates in place loads none."""
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    return loads


def _only_intent(stripe: SessionStripeDouble) -> dict[str, Any]:
    [intent] = stripe.of_type("pi_")
    return intent


def _stripe_sends(
    stripe_server: LiveServer, stripe: SessionStripeDouble, type_: str, intent: dict[str, Any]
) -> str:
    return deliver_stripe_event(stripe_server, stripe.event(type_, intent))


def test_mbway_request_approved_in_the_app_turns_the_page_paid(
    stripe_page: Page,
    stripe_server: LiveServer,
    stripe: SessionStripeDouble,
    ux: Ux,
    email: str,
) -> None:
    page = stripe_page
    buy(page, "bilhete-geral", Buyer(name="Helena Matos", email=email), "mb_way")
    order_url = page.url
    expect_shop_page(page, demo=False)
    expect_order_status(page, "awaiting_payment")

    # The shop asked Stripe for an MB WAY payment to the buyer's number, confirmed at once.
    [call] = stripe.calls("POST", "/v1/payment_intents")
    assert call.params["payment_method_types"] == ["mb_way"]
    assert call.params["payment_method_data"]["type"] == "mb_way"
    assert call.params["payment_method_data"]["billing_details"]["phone"] == "+351912345678"
    assert call.params["amount"] == "14700"
    assert call.params["confirm"] == "true"
    intent = _only_intent(stripe)

    block = status_block(page)
    expect(block.get_by_role("heading")).to_have_text(APPROVE_IN_MBWAY_APP)
    expect(block).to_contain_text("+351 912 345 678")
    expect(block).to_contain_text(GENERAL_TICKET_PRICE)
    expect(block.locator("[data-demo-phone]")).to_have_count(0)
    # The request's expiry, as a Lisbon clock time and as minutes:seconds left.
    countdown = block.locator("[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"^[0-2]:[0-5]\d$"))
    expires = datetime.fromisoformat(countdown.get_attribute("data-countdown") or "")
    expect(block).to_contain_text(f"{expires:%H:%M}")
    if ux.js:
        # The countdown ticks in the browser.
        left = countdown.inner_text()
        expect(countdown).not_to_have_text(left, timeout=3_000)

    loads = _documents_loaded(page)
    result = _stripe_sends(
        stripe_server, stripe, "payment_intent.succeeded", stripe.succeed_intent(intent["id"])
    )
    assert result in PAID_NOW_OR_ALREADY
    # With JavaScript htmx polls every 2 s; without, the page reloads itself every 3 s.
    expect_order_status(page, "paid", timeout=FOLLOW_TIMEOUT_MS)
    if ux.js:
        assert loads == [], f"the order page reloaded instead of updating in place: {loads}"
    assert page.url == order_url
    expect(block.locator("[data-countdown]")).to_have_count(0)
    expect(block.locator("a[data-receipt]")).to_be_visible()


def test_mbway_request_rejected_offers_to_pay_by_card_on_stripe(
    stripe_page: Page,
    stripe_server: LiveServer,
    stripe: SessionStripeDouble,
    email: str,
) -> None:
    page = stripe_page
    buy(page, "bilhete-geral", Buyer(name="Joana Pires", email=email), "mb_way")
    order_url = page.url
    expect_order_status(page, "awaiting_payment")
    intent = _only_intent(stripe)

    result = _stripe_sends(
        stripe_server, stripe, "payment_intent.payment_failed", stripe.fail_intent(intent["id"])
    )
    assert result == "failed"
    expect_order_status(page, "failed", timeout=FOLLOW_TIMEOUT_MS)
    assert page.url == order_url
    expect_shop_page(page, demo=False)
    expect(status_block(page).get_by_role("heading")).to_have_text(PAYMENT_FAILED)
    expect(status_block(page).locator("[data-countdown]")).to_have_count(0)
    card = retry_button(page, "card")
    expect(card).to_have_text(PAY_BY_CARD)
    expect(retry_button(page, "mb_way")).to_be_visible()
    expect(retry_button(page, "multibanco")).to_be_visible()

    # Paying by card takes the buyer to Stripe's hosted Checkout for a second attempt.
    card.click()
    page.wait_for_url(re.compile(rf"^{re.escape(STRIPE_CHECKOUT)}/c/pay/cs_\w+$"))
    [session] = stripe.of_type("cs_")
    assert page.url == session["url"]
    expect(page.locator("[data-stripe-checkout]")).to_be_visible()
    [session_call] = stripe.calls("POST", "/v1/checkout/sessions")
    assert session_call.params["payment_method_types"] == ["card"]
    assert session_call.params["metadata"]["attempt"] == "2"


def test_multibanco_voucher_shows_what_to_pay_and_then_that_it_is_paid(
    stripe_page: Page,
    stripe_server: LiveServer,
    stripe: SessionStripeDouble,
    ux: Ux,
    email: str,
) -> None:
    page = stripe_page
    if ux.js:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    buy(page, "bilhete-geral", Buyer(name="Marta Faria", email=email), "multibanco")
    order_url = page.url
    expect_shop_page(page, demo=False)
    expect_order_status(page, "awaiting_payment")

    [call] = stripe.calls("POST", "/v1/payment_intents")
    assert call.params["payment_method_types"] == ["multibanco"]
    assert call.params["payment_method_data"]["billing_details"]["email"] == email
    intent = _only_intent(stripe)
    details = intent["next_action"]["multibanco_display_details"]
    reference = details["reference"]

    voucher = status_block(page).locator("[data-voucher]")
    entity = voucher.locator("[data-voucher-entity]")
    grouped = voucher.locator("[data-voucher-reference]")
    amount = voucher.locator("[data-voucher-amount]")
    expect(entity).to_have_text(re.compile(rf"^{MULTIBANCO_ENTITY}"))
    expect(grouped).to_have_text(
        re.compile(rf"^{reference[:3]} {reference[3:6]} {reference[6:]}(?!\d)")
    )
    expect(amount).to_have_text(re.compile(rf"^{GENERAL_TICKET_PRICE}"))
    # Stripe's voucher could be paid for a week; the seat is held 48 hours (the most a
    # voucher may keep a seat from others), shown as a Lisbon date and time.
    stripe_deadline = datetime.fromtimestamp(details["expires_at"], UTC)
    held = datetime.now(UTC) + timedelta(hours=48)
    assert held < stripe_deadline
    shown = [
        f"{format_date(moment, 'long', locale='pt_PT')}, {moment:%H:%M}"
        for moment in (held.astimezone(LISBON), (held - timedelta(minutes=1)).astimezone(LISBON))
    ]
    expect(voucher).to_contain_text(PAY_BY)
    expect(voucher.locator("[data-voucher-expires]")).to_have_text(
        re.compile("^(" + "|".join(re.escape(text) for text in shown) + ")$")
    )
    printable = status_block(page).locator(f'a[href="{details["hosted_voucher_url"]}"]')
    expect(printable).to_be_visible()
    # A voucher can take days to be paid: the page never reloads itself.
    assert 'http-equiv="refresh"' not in page.content()

    copy_buttons = voucher.locator("button.copy-button")
    if ux.js:
        expect(copy_buttons).to_have_text([COPY] * 3)
        # The buttons arrive once the first view is shown (app.js): they must not move
        # the voucher the buyer is already reading.
        grown = page.evaluate(
            """() => [...document.querySelectorAll('[data-voucher] [data-copy]')].map((value) => {
                const button = value.querySelector('button');
                const height = value.getBoundingClientRect().height;
                const text = document.createRange();
                text.selectNodeContents(value.firstChild);
                const clear = text.getBoundingClientRect().right
                    <= button.getBoundingClientRect().left;
                button.remove();
                const without = value.getBoundingClientRect().height;
                value.appendChild(button);
                return [height - without, clear];
            })"""
        )
        assert all(abs(growth) < 0.5 and clear for growth, clear in grown), grown
        # The amount is copied as home banking wants it typed (the entity and the
        # reference: see the test below).
        amount.locator("button").click()
        expect(amount.locator("button")).not_to_have_text(COPY)
        assert page.evaluate("navigator.clipboard.readText()") == "147,00"
    else:
        expect(copy_buttons).to_have_count(0)

    result = _stripe_sends(
        stripe_server, stripe, "payment_intent.succeeded", stripe.succeed_intent(intent["id"])
    )
    assert result in PAID_NOW_OR_ALREADY
    # htmx would show it within 30 s; the buyer coming back to the page sees it at once.
    page.reload()
    assert page.url == order_url
    expect_order_status(page, "paid")
    expect(status_block(page).locator("[data-voucher]")).to_have_count(0)
    expect(status_block(page).locator("a[data-receipt]")).to_be_visible()


@pytest.mark.parametrize("ux", [ux for ux in UXES if ux.js], ids=lambda ux: ux.id)
def test_multibanco_copy_buttons_copy_the_bare_entity_and_reference(
    stripe_page: Page, stripe: SessionStripeDouble, ux: Ux, email: str
) -> None:
    page = stripe_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    buy(page, "bilhete-geral", Buyer(name="Sofia Neves", email=email), "multibanco")
    details = _only_intent(stripe)["next_action"]["multibanco_display_details"]
    voucher = status_block(page).locator("[data-voucher]")

    copied = []
    for field in ("entity", "reference"):
        button = voucher.locator(f"[data-voucher-{field}] button")
        button.click()
        expect(button).not_to_have_text(COPY)
        copied.append(page.evaluate("navigator.clipboard.readText()"))
    assert copied == [MULTIBANCO_ENTITY, details["reference"]]
