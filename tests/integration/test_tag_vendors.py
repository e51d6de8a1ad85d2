"""What enabling a tag vendor changes for a visitor: the hosts the page's CSP allows, and
the cookies the cookie policy lists, in both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app.config import ConfigurationError
from tests.integration.header_scan import directives
from tests.integration.test_consent import choose
from tests.support import fresh_database

ALL_VENDORS = "ga4,google_ads,meta,clarity,hotjar"
META_HOSTS = re.compile(r"facebook\.net|facebook\.com")


@pytest.fixture(scope="session")
def meta_app(app, make_app) -> Iterator[Flask]:
    """The shop with GTM and the Meta Pixel enabled beside GA4."""
    with make_app(GTM_ID="GTM-TEST123", TAG_VENDORS="ga4,meta") as application:
        yield application


@pytest.fixture
def meta_client(meta_app: Flask, event_file: Path):
    with fresh_database(meta_app, event_file):
        yield meta_app.test_client()


def every_source(policy: dict[str, list[str]]) -> str:
    return " ".join(source for sources in policy.values() for source in sources)


def cookie_names(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return re.findall(r"data-cookie-name>([^<]+)<", response.text)


def test_the_csp_names_meta_only_when_meta_is_enabled(client, gtm_client, meta_client):
    assert not META_HOSTS.search(client.get("/").headers["Content-Security-Policy"])
    # GTM alone means GA4 alone: as before vendors were listed.
    default = directives(gtm_client.get("/").headers["Content-Security-Policy"])
    assert not META_HOSTS.search(every_source(default))
    assert "https://*.google-analytics.com" in default["connect-src"]

    policy = directives(
        meta_client.get("/checkout/bilhete-geral").headers["Content-Security-Policy"]
    )
    assert "https://connect.facebook.net" in policy["script-src"]
    assert "https://www.facebook.com" in policy["connect-src"]
    assert "https://www.facebook.com" in policy["img-src"]
    assert "https://www.googletagmanager.com" in policy["script-src"]
    # Only Meta's: no other vendor's host comes with it, and styles stay our own.
    assert not re.search(r"clarity|hotjar|doubleclick|googleadservices", every_source(policy))
    assert policy["style-src"][0] == "'self'" and len(policy["style-src"]) == 2
    assert policy["style-src"][1].startswith("'nonce-")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_the_cookie_policy_lists_fbp_only_when_meta_is_enabled(
    client, gtm_client, meta_client, prefix
):
    path = f"{prefix}/legal/cookies"
    nothing = cookie_names(client, path)
    assert "_fbp" not in nothing and "_ga" not in nothing
    assert "cv_consent" in nothing and "cv_ab" in nothing
    ga4_only = cookie_names(gtm_client, path)
    assert "_ga" in ga4_only and "_fbp" not in ga4_only and "_gcl_au" not in ga4_only

    with_meta = cookie_names(meta_client, path)
    assert with_meta[-2:] == ["_fbp", "_fbc"]
    assert "_ga" in with_meta and "_clck" not in with_meta
    html = meta_client.get(path).text
    if prefix:
        assert "Measures which Meta ads (Facebook, Instagram) brought visits and purchases." in html
        assert "3 months" in html and ">Meta Pixel<" in html
    else:
        assert (
            "Mede que anúncios da Meta (Facebook, Instagram) trouxeram visitas e compras." in html
        )
        assert "3 meses" in html and 'id="cookies-marketing"' in html


def test_every_vendor_enabled_lists_every_vendors_cookies(make_app, app, event_file):
    with (
        make_app(GTM_ID="GTM-TEST123", TAG_VENDORS=ALL_VENDORS) as shop,
        fresh_database(shop, event_file),
    ):
        client = shop.test_client()
        names = cookie_names(client, "/en/legal/cookies")
        csp = client.get("/en/").headers["Content-Security-Policy"]
    for name in ("_ga", "_gcl_au", "_fbp", "_clck", "_clsk", "_hjSessionUser_*"):
        assert name in names
    assert "wss://*.hotjar.com" in directives(csp)["connect-src"]


def test_an_unknown_vendor_stops_the_shop_at_start(make_app):
    with (
        pytest.raises(ConfigurationError, match="unknown vendor: tiktok"),
        make_app(GTM_ID="GTM-TEST123", TAG_VENDORS="meta,tiktok"),
    ):
        pass


def test_withdrawing_marketing_removes_the_ad_cookies_and_keeps_analytics(meta_client):
    choose(meta_client, "accept_all")
    for name in ("_fbp", "_gcl_au", "_ga", "_clck"):
        meta_client.set_cookie(name, "x")
    answer = choose(meta_client, "custom", page="/cookies", analytics="1")
    removed = {
        header.split("=", 1)[0] for header in answer.headers.getlist("Set-Cookie") if "=;" in header
    }
    # Every vendor in the table counts, enabled or not: Google Ads may have been on before.
    assert removed == {"_fbp", "_gcl_au"}
