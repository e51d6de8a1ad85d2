"""Switching between Portuguese (at /) and English (under /en/) keeps the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import expect_shop_page, path_of

pytestmark = pytest.mark.e2e


def _switch(page: Page) -> None:
    switch = page.locator("nav.lang-switch a[data-lang-switch]")
    expect(switch).to_have_count(1)
    switch.click()


@pytest.mark.parametrize("path", ["/", "/checkout/bilhete-vip"])
def test_language_switched_to_english_and_back(page: Page, path: str) -> None:
    page.goto(path)
    expect_shop_page(page, "pt-PT")
    heading = page.locator("h1")
    portuguese = heading.inner_text()

    _switch(page)
    page.wait_for_url(lambda url: "/en/" in url)
    assert path_of(page) == "/en" + path
    expect_shop_page(page, "en")
    expect(heading).not_to_have_text(portuguese)
    english = heading.inner_text()

    _switch(page)
    page.wait_for_url(lambda url: "/en/" not in url)
    assert path_of(page) == path
    expect_shop_page(page, "pt-PT")
    expect(heading).to_have_text(portuguese)
    assert english != portuguese
