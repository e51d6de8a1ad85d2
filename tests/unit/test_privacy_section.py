"""The `privacy:` section of the event data file: checked on load, mistakes named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from app.catalog.services import CatalogError, parse_event_file
from app.legal.services import VENDOR_COOKIE_NAMES, policy_for

REAL = Path(__file__).resolve().parents[2] / "app" / "catalog" / "event.yaml"


def _write(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(REAL.read_text(encoding="utf-8"))
    mutate(data["privacy"])
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_privacy_section_is_complete():
    privacy = parse_event_file(REAL)["event"]["content"]["privacy"]
    assert privacy["controller"]["legal_name"] == "Café com Vendas, Lda."
    assert privacy["supervisory_authority"]["url"] == "https://www.cnpd.pt"
    processors = " ".join(p["name"] for p in privacy["processors"])
    for company in ("Stripe", "Kit", "Google", "HubSpot"):
        assert company in processors
    cookies = {c["name"]: c["category"] for c in privacy["cookies"]}
    assert cookies["cv_consent"] == "necessary"
    assert cookies["cv_ab"] == "analytics"
    # The tag vendors' cookies come from their table, for the vendors enabled only.
    assert not VENDOR_COOKIE_NAMES & set(cookies)
    # Kept as text: the event content is stored as JSON.
    assert privacy["last_updated"] == date.fromisoformat(privacy["last_updated"]).isoformat()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda p: p.pop("controller"), "privacy: 'controller' is missing"),
        (lambda p: p["controller"].pop("tax_id"), "privacy controller: 'tax_id' is missing"),
        (lambda p: p["controller"].update(address=""), "privacy controller: 'address' is missing"),
        (lambda p: p.pop("contact_email"), "privacy: 'contact_email' is missing"),
        (lambda p: p.update(contact_email="privacidade"), "'contact_email' must be an email"),
        (lambda p: p.pop("processors"), "privacy: 'processors' is missing"),
        (lambda p: p.update(processors=[]), "privacy: 'processors' is missing"),
        (lambda p: p["processors"][1].pop("name"), "privacy processor #2: 'name' is missing"),
        (
            lambda p: p["processors"][0]["purpose"].pop("en"),
            "privacy processor #1 purpose: needs text for both pt_PT and en",
        ),
        (
            lambda p: p["processors"][0].update(url="stripe.com"),
            "privacy processor #1: 'url' must be a web address",
        ),
        (lambda p: p.pop("supervisory_authority"), "'supervisory_authority' is missing"),
        (lambda p: p.pop("purposes"), "privacy: 'purposes' is missing"),
        (
            lambda p: p["purposes"][2].pop("legal_basis"),
            "privacy purpose #3: 'legal_basis' is missing",
        ),
        (
            lambda p: p["purposes"][0]["retention"].update(en="{retention_years} years"),
            r"unknown placeholder \{retention_years\}",
        ),
        (lambda p: p.pop("cookies"), "privacy: 'cookies' is missing"),
        (
            lambda p: p["cookies"][0].update(category="tracking"),
            "privacy cookie #1: category must be one of necessary, analytics, marketing",
        ),
        (
            lambda p: p["cookies"][1].update(name=p["cookies"][0]["name"]),
            "privacy cookie #2: '__Host-session' appears twice",
        ),
        (lambda p: p.update(last_updated="28/11/2026"), "not a date like"),
        (lambda p: p.pop("last_updated"), "privacy: 'last_updated' is missing"),
        (lambda p: p.update(dpo={"name": "Rita"}), "privacy dpo: 'email' is missing"),
    ],
)
def test_mistakes_in_the_privacy_section_name_the_field(tmp_path, mutate, message):
    with pytest.raises(CatalogError, match=message):
        parse_event_file(_write(tmp_path, mutate))


def test_an_event_file_without_a_privacy_section_is_refused(tmp_path):
    data = yaml.safe_load(REAL.read_text(encoding="utf-8"))
    del data["privacy"]
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match="'privacy' is missing"):
        parse_event_file(path)


def test_an_unquoted_date_and_an_optional_dpo_are_read(tmp_path):
    def mutate(privacy):
        privacy["last_updated"] = date(2027, 1, 15)
        privacy["dpo"] = {"name": "Rita Sousa", "email": "dpo@cafecomvendas.pt"}

    privacy = parse_event_file(_write(tmp_path, mutate))["event"]["content"]["privacy"]
    assert privacy["last_updated"] == "2027-01-15"
    assert privacy["dpo"] == {"name": "Rita Sousa", "email": "dpo@cafecomvendas.pt"}


def test_the_policy_states_the_periods_the_shop_is_set_to_apply():
    section = parse_event_file(REAL)["event"]["content"]["privacy"]
    settings = {"PRIVACY_RETENTION_MONTHS": 18, "UNCONFIRMED_LEAD_DAYS": 14}
    english = policy_for(section, "en", settings)
    retention = " ".join(purpose["retention"] for purpose in english.purposes)
    assert "18 months after your last contact" in retention
    assert "after 14 days" in retention
    # Not set: the defaults the purge job uses.
    assert "for 10 years" in retention
    assert "{" not in retention
    portuguese = policy_for(section, "pt_PT", {})
    assert portuguese.purposes[0]["retention"].startswith("24 meses")
    assert portuguese.cookies_in("necessary")[1]["duration"] == "365 dias"
    # No vendor enabled: the shop's own cookies, none of them marketing.
    assert portuguese.cookie_categories == ["necessary", "analytics"]
