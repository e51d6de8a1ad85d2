"""What a buyer does in the shop, written once for every journey.

Elements are found by the stable contract (field names, data attributes, URLs), never
by copy: the Portuguese text is still being written.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from tests.e2e.harness import LiveServer

# A Portuguese mobile (MB WAY needs one) and a NIF whose check digit is right.
PHONE = "912 345 678"
NIF = "123456789"
# Amounts read "147,00 €" with a no-break space, as Babel writes them for pt-PT.
NBSP = "\u00a0"

ORDER_URL = re.compile(r"/order/[\w-]+$")
DEMO_CARD_URL = re.compile(r"/demo/card/[\w-]+$")
DEMO_PHONE_URL = re.compile(r"/demo/mbway/[\w-]+$")
# How long an order page may take to follow a payment by itself: a 2 s poll or a
# 3 s refresh, plus a slow request.
FOLLOW_TIMEOUT_MS = 12_000


@dataclass(frozen=True)
class Buyer:
    name: str
    email: str
    phone: str = PHONE
    nif: str = NIF


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]


def expect_shop_page(page: Page, lang: str = "pt-PT", *, demo: bool = True) -> None:
    """Every page of the shop says which language it is in and whether payments are a demo."""
    expect(page.locator("html")).to_have_attribute("lang", lang)
    banner = page.locator(".demo-banner")
    if demo:
        expect(banner).to_be_visible()
    else:
        expect(banner).to_have_count(0)


def status_block(page: Page) -> Locator:
    return page.locator("[data-order-status]")


def expect_order_status(page: Page, status: str, timeout: float | None = None) -> None:
    expect(status_block(page)).to_have_attribute("data-order-status", status, timeout=timeout)


def retry_button(page: Page, method: str) -> Locator:
    return status_block(page).locator(f'button[name="payment_method"][value="{method}"]')


def expect_retry_offered(page: Page) -> None:
    """A failed or expired order offers to pay again, by card or by MB WAY."""
    expect(retry_button(page, "card")).to_be_visible()
    expect(retry_button(page, "mb_way")).to_be_visible()


def checkout_form(page: Page) -> Locator:
    return page.locator("form#checkout-form")


def wait_for_htmx(page: Page) -> None:
    """Until htmx has wired the page up and no htmx request is in flight (at once without
    JavaScript).

    Pages ask for htmx once their first view is shown (templates/_components/
    first_view.html), after `load`: a test that goes on at once would meet the page as it
    works without JavaScript. htmx
    marks each element it has wired with data-htmx-powered; call this on pages that have
    some (forms, the order's status).
    """
    page.wait_for_function(
        """() => !matchMedia("(scripting: enabled)").matches
            || (!!window.htmx
                && !!document.querySelector("[data-htmx-powered]")
                && !document.querySelector(".htmx-request"))"""
    )


def leave_field(field: Locator) -> None:
    """Move on from a field as a person does (Tab), and let its inline check land.

    The check may add or remove an error line and move what is below it: a person sees
    the form settle before the next click, and so does the test.
    """
    field.press("Tab")
    wait_for_htmx(field.page)


def fill_checkout(page: Page, buyer: Buyer, method: str, *, accept_terms: bool = True) -> None:
    """Type the buyer's details the way a person does, field after field."""
    form = checkout_form(page)
    form.locator('[name="name"]').fill(buyer.name)
    form.locator('[name="email"]').fill(buyer.email)
    form.locator('[name="phone"]').fill(buyer.phone)
    form.locator('[name="nif"]').fill(buyer.nif)
    leave_field(form.locator('[name="nif"]'))
    form.locator(f'input[name="payment_method"][value="{method}"]').check()
    if accept_terms:
        form.locator('[name="accept_terms"]').check()


def submit_checkout(page: Page, *, double_tap: bool = False) -> None:
    # The pay button (the form has another submit: the quantity's "Update").
    submit = checkout_form(page).locator("button[data-pay]")
    if double_tap:
        submit.dblclick()
    else:
        submit.click()


def check_out(
    page: Page,
    slug: str,
    buyer: Buyer,
    method: str,
    *,
    lang_prefix: str = "",
    accept_terms: bool = True,
    double_tap: bool = False,
) -> None:
    """Every journey's opening: the offer's checkout page, the buyer's details, how to pay,
    and the form sent. A buyer already on that page (come from the landing page, say,
    or looking at the seats left) stays on it rather than loading it again."""
    checkout = f"{lang_prefix}/checkout/{slug}"
    if path_of(page) != checkout:
        page.goto(checkout)
    fill_checkout(page, buyer, method, accept_terms=accept_terms)
    submit_checkout(page, double_tap=double_tap)


def buy(page: Page, slug: str, buyer: Buyer, method: str, lang_prefix: str = "") -> str:
    """Check out `slug` and land on the next step (demo card page or order page)."""
    check_out(page, slug, buyer, method, lang_prefix=lang_prefix)
    if method == "card":
        page.wait_for_url(DEMO_CARD_URL)
    else:
        page.wait_for_url(ORDER_URL)
    return page.url


def pay_on_demo_card_page(page: Page, cardholder: str | None = None) -> None:
    """Pay on the demo card page; a cardholder name with DECLINE gets the card declined."""
    if cardholder is not None:
        page.locator('[name="cardholder_name"]').fill(cardholder)
    page.locator("[data-demo-pay]").click()
    page.wait_for_url(ORDER_URL)


def demo_phone_link(page: Page) -> Locator:
    return status_block(page).locator("a[data-demo-phone]")


def answer_on_demo_phone(phone: Page, decision: str) -> None:
    """Approve or reject the MB WAY request on the demo phone; it returns to the order."""
    expect(phone).to_have_url(DEMO_PHONE_URL)
    phone.locator(f'button[name="decision"][value="{decision}"]').click()
    phone.wait_for_url(ORDER_URL)


def open_mail(page: Page, live_server: LiveServer, email: str, subject: str) -> str:
    """Deliver the outbox and open the newest email to `email` whose subject has `subject`."""
    live_server.flask("outbox", "work", "--until-idle")
    page.goto("/demo/mail")
    mail = page.locator(".mail-list li", has_text=email).filter(has_text=subject).first
    expect(mail).to_be_visible()
    mail.locator("a").first.click()
    return page.locator("[data-mail-text]").inner_text()


def sign_in_staff(page: Page, live_server: LiveServer, role: str) -> str:
    """Add a member with `role`, ask for a link, read it in the demo mailbox, press it."""
    address = f"staff-{role}-{uuid.uuid4().hex[:8]}@cafecomvendas.pt"
    live_server.flask("staff", "add", address, "--role", role)
    page.goto("/staff/login")
    page.locator("#sign-in-form input[name=email]").fill(address)
    page.locator("[data-send-sign-in]").click()
    expect(page.locator("[data-sign-in-sent]")).to_be_visible()
    text = open_mail(page, live_server, address, "backoffice")
    [link] = re.findall(r"https?://\S+/staff/login/\S+", text)
    page.goto(link)
    page.locator("[data-sign-in]").click()
    expect(page.locator("[data-staff-email]")).to_contain_text(address)
    return address
