"""Buying in a shop that takes MB WAY and Multibanco through ifthenpay and card through
Stripe, both played by local HTTP servers.

To move a payment along, a test does what the gateway does: it changes the payment in
the ifthenpay double (approved in the app, rejected, expired, paid at the ATM), then
calls the shop's callback as ifthenpay calls it, or runs the reconciliation the clock
runs every few seconds (`flask payments reconcile`), which reads the payment at the
gateway. Every test runs with JavaScript on and off, on a phone and on a desktop.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import (
    STRIPE_CHECKOUT,
    LiveServer,
    SessionStripeDouble,
    Ux,
    deliver_ifthenpay_callback,
    deliver_stripe_event,
)
from tests.e2e.steps import (
    FOLLOW_TIMEOUT_MS,
    NBSP,
    Buyer,
    buy,
    check_out,
    checkout_form,
    expect_order_status,
    expect_shop_page,
    retry_button,
    status_block,
)
from tests.ifthenpay_double import ENTITY, IfthenpayDouble

pytestmark = pytest.mark.e2e

GENERAL_TICKET_PRICE = f"147,00{NBSP}€"
APPROVE_IN_MBWAY_APP = "Aprove o pagamento na app MB WAY"
# The shop reads a waiting payment at the gateway at most every 5 s.
READ_INTERVAL_MS = 5_500


def _documents_loaded(page: Page) -> list[str]:
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    return loads


def _clock_reconciles(server: LiveServer, page: Page) -> None:
    """What the clock does every few seconds, once the payment is due for a read."""
    page.wait_for_timeout(READ_INTERVAL_MS)
    server.flask("payments", "reconcile")


def _hold_ends(server: LiveServer, order_url: str) -> None:
    """Time passes until the order's hold is over (its deadline moved to when it was made)."""
    token = order_url.rstrip("/").rsplit("/", 1)[1].split("?")[0]
    database = server.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        changed = connection.execute(
            "UPDATE orders SET expires_at = created_at WHERE public_token = ?", (token,)
        ).rowcount
    assert changed == 1


def test_mbway_through_ifthenpay_is_paid_by_the_gateways_callback(
    split_page: Page, split_server: LiveServer, ifthenpay: IfthenpayDouble, ux: Ux, email: str
) -> None:
    page = split_page
    buy(page, "bilhete-geral", Buyer(name="Inês Cardoso", email=email), "mb_way")
    order_url = page.url
    expect_shop_page(page, demo=False)
    expect_order_status(page, "awaiting_payment")
    request = ifthenpay.only("mbway")
    assert request.phone == "351#912345678"
    assert request.amount == "147.00"
    block = status_block(page)
    expect(block.get_by_role("heading")).to_have_text(APPROVE_IN_MBWAY_APP)
    expect(block).to_contain_text(GENERAL_TICKET_PRICE)
    expect(block.locator("[data-demo-phone]")).to_have_count(0)

    # The buyer approves in her MB WAY app; the gateway calls the shop.
    loads = _documents_loaded(page)
    payment = ifthenpay.approve(request.request_id)
    assert deliver_ifthenpay_callback(split_server, ifthenpay.callback_query(payment)) == (
        "ok: paid"
    )
    # With JavaScript htmx polls every 2 s; without, the page reloads itself every 3 s.
    expect_order_status(page, "paid", timeout=FOLLOW_TIMEOUT_MS)
    if ux.js:
        assert loads == [], f"the order page reloaded instead of updating in place: {loads}"
    assert page.url == order_url


def test_mbway_rejected_in_the_app_offers_to_pay_by_card_on_stripe(
    split_page: Page,
    split_server: LiveServer,
    ifthenpay: IfthenpayDouble,
    stripe: SessionStripeDouble,
    email: str,
) -> None:
    page = split_page
    buy(page, "bilhete-geral", Buyer(name="Joana Pires", email=email), "mb_way")
    expect_order_status(page, "awaiting_payment")
    ifthenpay.reject(ifthenpay.only("mbway").request_id)
    # No callback tells of a refusal: the clock's reconciliation reads it at the gateway.
    _clock_reconciles(split_server, page)
    expect_order_status(page, "failed", timeout=FOLLOW_TIMEOUT_MS)
    expect_shop_page(page, demo=False)
    for method in ("card", "mb_way", "multibanco"):
        expect(retry_button(page, method)).to_be_visible()
    expect(retry_button(page, "klarna")).to_have_count(0)

    retry_button(page, "card").click()
    page.wait_for_url(re.compile(rf"^{re.escape(STRIPE_CHECKOUT)}/c/pay/cs_\w+$"))
    [session_call] = stripe.calls("POST", "/v1/checkout/sessions")
    assert session_call.params["payment_method_types"] == ["card"]
    assert session_call.params["metadata"]["attempt"] == "2"


def test_mbway_request_left_unanswered_expires(
    split_page: Page, split_server: LiveServer, ifthenpay: IfthenpayDouble, email: str
) -> None:
    page = split_page
    buy(page, "bilhete-geral", Buyer(name="Diana Reis", email=email), "mb_way")
    expect_order_status(page, "awaiting_payment")
    # Four minutes pass at the gateway without an answer from the app.
    ifthenpay.expire(ifthenpay.only("mbway").request_id)
    _clock_reconciles(split_server, page)
    expect_order_status(page, "expired", timeout=FOLLOW_TIMEOUT_MS)
    expect(retry_button(page, "mb_way")).to_be_visible()


def test_multibanco_reference_from_ifthenpay_is_shown_and_paid_at_the_atm(
    split_page: Page, split_server: LiveServer, ifthenpay: IfthenpayDouble, email: str
) -> None:
    page = split_page
    buy(page, "bilhete-geral", Buyer(name="Marta Faria", email=email), "multibanco")
    order_url = page.url
    expect_shop_page(page, demo=False)
    expect_order_status(page, "awaiting_payment")
    reference = ifthenpay.only("multibanco")
    voucher = status_block(page).locator("[data-voucher]")
    expect(voucher.locator("[data-voucher-entity]")).to_have_text(re.compile(rf"^{ENTITY}"))
    number = reference.reference
    expect(voucher.locator("[data-voucher-reference]")).to_have_text(
        re.compile(rf"^{number[:3]} {number[3:6]} {number[6:]}(?!\d)")
    )
    expect(voucher.locator("[data-voucher-amount]")).to_have_text(
        re.compile(rf"^{GENERAL_TICKET_PRICE}")
    )

    # Paid at an ATM: the gateway calls the shop; the buyer comes back to her page.
    payment = ifthenpay.approve(reference.request_id)
    assert deliver_ifthenpay_callback(split_server, ifthenpay.callback_query(payment)) == (
        "ok: paid"
    )
    page.goto(order_url)
    expect_order_status(page, "paid")


def test_multibanco_left_unpaid_past_its_deadline_frees_the_seat(
    split_page: Page, split_server: LiveServer, ifthenpay: IfthenpayDouble, email: str
) -> None:
    page = split_page
    slug = split_server.add_offer(capacity=1)
    buy(page, slug, Buyer(name="Sofia Lopes", email=email), "multibanco")
    order_url = page.url
    expect_order_status(page, "awaiting_payment")
    other = page.context.new_page()
    other.goto(f"/checkout/{slug}")
    expect(other.locator("[data-sold-out]")).to_be_visible()

    _hold_ends(split_server, order_url)
    split_server.flask("payments", "reconcile")
    page.goto(order_url)
    expect_order_status(page, "expired")
    expect(retry_button(page, "multibanco")).to_be_visible()
    other.reload()
    expect(checkout_form(other)).to_be_visible()


def test_card_in_the_same_shop_is_paid_on_stripe(
    split_page: Page,
    split_server: LiveServer,
    stripe: SessionStripeDouble,
    ifthenpay: IfthenpayDouble,
    email: str,
) -> None:
    page = split_page
    check_out(page, "bilhete-geral", Buyer(name="Rita Matos", email=email), "card")
    page.wait_for_url(re.compile(rf"^{re.escape(STRIPE_CHECKOUT)}/c/pay/cs_\w+$"))
    [session] = stripe.of_type("cs_")
    assert ifthenpay.seen == []
    completed = stripe.complete_session(session["id"])
    assert deliver_stripe_event(
        split_server, stripe.event("checkout.session.completed", completed)
    ) in {"paid", "already paid"}
    # Back from Checkout, as Stripe's success URL sends her.
    page.goto(session["success_url"])
    expect(page).to_have_url(re.compile(r"/order/[\w-]+\?checkout=done$"))
    expect_order_status(page, "paid")
