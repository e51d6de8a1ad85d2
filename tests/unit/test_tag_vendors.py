"""The tag vendors' table, TAG_VENDORS, and what an enabled vendor changes: the CSP's
sources and the cookie policy's list."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalog.services import parse_event_file
from app.config import ConfigurationError, load_settings
from app.consent.cookie import Consent
from app.consent.tags import csp_sources, enabled_vendors
from app.consent.vendors import (
    CATEGORIES,
    CONSENT_SIGNALS,
    DIRECTIVES,
    GA4,
    META,
    VENDORS,
    cookie_categories,
)
from app.legal.services import VENDOR_COOKIE_NAMES, policy_for
from tests.support import REAL_EVENT_FILE

ALL = "ga4,google_ads,meta,clarity,hotjar"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "analytics.md"


def keys(config: dict[str, str]) -> list[str]:
    return [vendor.key for vendor in enabled_vendors(config)]


def test_the_table_lists_the_five_vendors_the_shop_knows():
    assert list(VENDORS) == ["ga4", "google_ads", "meta", "clarity", "hotjar"]


@pytest.mark.parametrize("vendor", VENDORS.values(), ids=list(VENDORS))
def test_each_vendor_waits_for_a_banner_category_and_names_real_hosts(vendor):
    assert vendor.category in CATEGORIES
    assert vendor.hosts and set(vendor.hosts) <= set(DIRECTIVES)
    for sources in vendor.hosts.values():
        for source in sources:
            # Encrypted only, and a host: never a keyword that would open the policy wide.
            assert source.startswith(("https://", "wss://")), source
            assert "'" not in source and source.count("*") <= 1
    assert vendor.cookies
    for cookie in vendor.cookies:
        assert cookie.lifetime.total_seconds() > 0
        assert str(cookie.purpose).endswith(".")


def test_no_two_vendors_claim_one_cookie():
    names = [cookie.name for vendor in VENDORS.values() for cookie in vendor.cookies]
    assert len(names) == len(set(names)) == len(VENDOR_COOKIE_NAMES)


@pytest.mark.parametrize("category", CATEGORIES)
def test_a_categorys_consent_signals_are_the_ones_the_banner_grants_for_it(category):
    # What the docs tell marketing to require in GTM is what the page's update grants.
    update = Consent(**{category: True}).mode_update()
    granted = {signal for signal, state in update.items() if state == "granted"}
    assert granted == set(CONSENT_SIGNALS[category])


def test_the_known_vendor_cookies():
    cookies = {
        cookie.name: (vendor.key, cookie.lifetime.days)
        for vendor in VENDORS.values()
        for cookie in vendor.cookies
    }
    assert cookies["_ga"] == ("ga4", 730)
    assert cookies["_gcl_au"] == ("google_ads", 90)
    assert cookies["_fbp"] == ("meta", 90)
    assert cookies["_clck"] == ("clarity", 365)
    assert cookies["_clsk"] == ("clarity", 1)
    assert cookies["_hjSessionUser_*"] == ("hotjar", 365)


def test_by_default_ga4_with_a_container_and_nothing_without():
    assert keys({}) == []
    assert keys({"GTM_ID": "GTM-X"}) == ["ga4"]
    assert keys({"GTM_ID": "GTM-X", "TAG_VENDORS": " "}) == ["ga4"]


def test_tag_vendors_is_a_comma_list_in_any_case_and_order():
    config = {"GTM_ID": "GTM-X", "TAG_VENDORS": " Hotjar , meta,,GA4 "}
    assert keys(config) == ["ga4", "meta", "hotjar"]
    assert keys({"GTM_ID": "GTM-X", "TAG_VENDORS": ALL}) == list(VENDORS)


def test_an_unknown_vendor_is_refused_by_name():
    with pytest.raises(ConfigurationError, match=r"unknown vendor: tiktok \(known: ga4, "):
        enabled_vendors({"GTM_ID": "GTM-X", "TAG_VENDORS": "meta,tiktok"})
    # A near miss is refused, not guessed.
    with pytest.raises(ConfigurationError, match="facebook"):
        enabled_vendors({"GTM_ID": "GTM-X", "TAG_VENDORS": "facebook"})


def test_vendors_without_a_container_are_refused():
    with pytest.raises(ConfigurationError, match="TAG_VENDORS=meta needs GTM_ID"):
        enabled_vendors({"TAG_VENDORS": "meta"})


def test_the_setting_is_read_from_the_environment():
    config = load_settings({"APP_ENV": "test", "TAG_VENDORS": " Meta,Clarity "}).as_flask_config()
    assert config["TAG_VENDORS"] == "meta,clarity"
    assert load_settings({"APP_ENV": "test"}).as_flask_config()["TAG_VENDORS"] == ""


def test_the_csp_opens_only_for_the_container_and_the_enabled_vendors():
    assert csp_sources(False, ()) == {}
    gtm_only = csp_sources(True, ())
    assert gtm_only == {d: ("https://www.googletagmanager.com",) for d in DIRECTIVES}
    with_meta = csp_sources(True, (META,))
    assert "https://connect.facebook.net" in with_meta["script-src"]
    assert "https://www.facebook.com" in with_meta["connect-src"]
    assert not any("google-analytics" in s for sources in with_meta.values() for s in sources)
    # Each source once, however many vendors share it.
    every = csp_sources(True, VENDORS.values())
    for sources in every.values():
        assert len(sources) == len(set(sources))
    assert "wss://*.hotjar.com" in every["connect-src"]


SECTION = parse_event_file(REAL_EVENT_FILE)["event"]["content"]["privacy"]


def test_the_cookie_policy_lists_the_enabled_vendors_cookies_in_both_languages():
    english = policy_for(SECTION, "en", {}, (GA4, META))
    listed = {cookie["name"]: cookie for cookie in english.cookies}
    assert listed["_fbp"]["category"] == "marketing"
    assert listed["_fbp"]["provider"] == "Meta Pixel"
    assert listed["_fbp"]["duration"] == "3 months"
    assert listed["_ga"]["duration"] == "2 years"
    assert "_clck" not in listed and "_gcl_au" not in listed
    # The shop's own cookies stay, first in their category.
    assert [c["name"] for c in english.cookies_in("analytics")][:2] == ["cv_ab", "_ga"]
    assert english.cookie_categories == ["necessary", "analytics", "marketing"]
    portuguese = {c["name"]: c for c in policy_for(SECTION, "pt_PT", {}, (META,)).cookies}
    assert portuguese["_fbp"]["duration"] == "3 meses"


def test_a_vendor_cookie_left_in_the_event_file_is_listed_only_with_its_vendor():
    stale = {"name": "_fbp", "category": "marketing", "provider": "Meta"}
    stale |= {"purpose": {"pt_PT": "x", "en": "x"}, "duration": {"pt_PT": "x", "en": "x"}}
    section = {**SECTION, "cookies": [*SECTION["cookies"], stale]}
    assert "_fbp" not in {c["name"] for c in policy_for(section, "en", {}).cookies}
    with_meta = [c for c in policy_for(section, "en", {}, (META,)).cookies if c["name"] == "_fbp"]
    assert len(with_meta) == 1 and with_meta[0]["provider"] == "Meta Pixel"


def test_the_analytics_doc_names_every_vendor():
    text = DOCS.read_text(encoding="utf-8")
    for vendor in VENDORS.values():
        assert f"`{vendor.key}`" in text, vendor.key
        for cookie in vendor.cookies:
            assert f"`{cookie.name}`" in text, cookie.name


def test_a_cookie_name_tells_the_category_it_belongs_to():
    assert cookie_categories("_ga_ABC123") == {"analytics"}
    assert cookie_categories("_hjSessionUser_3847") == {"analytics"}
    assert cookie_categories("_fbp") == cookie_categories("_gcl_au") == {"marketing"}
    assert cookie_categories("cv_consent") == cookie_categories("session") == set()
