"""The privacy and cookie policies: filled from the event data file, in both languages,
and linked from every page that asks for data."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import yaml
from markupsafe import escape

from app.catalog.services import sync_catalog
from app.leads.models import Lead
from tests.integration.helpers import checkout_data, lead_data, lead_link_token

PAGES = {"pt_PT": "", "en": "/en"}


def _privacy(event_file) -> dict:
    return yaml.safe_load(event_file.read_text(encoding="utf-8"))["privacy"]


def _shown(text: str) -> str:
    """How Jinja writes a piece of text into the page."""
    return str(escape(text))


def _filled(text: str, settings: dict[str, int]) -> str:
    for name, value in settings.items():
        text = text.replace("{" + name + "}", str(value))
    return text


DEFAULT_PERIODS = {
    "retention_months": 24,
    "unconfirmed_lead_days": 30,
    "order_retention_years": 10,
    "consent_max_age_days": 365,
}


@pytest.mark.parametrize("lang", PAGES)
def test_privacy_policy_shows_what_the_data_file_says(client, event_file, lang):
    privacy = _privacy(event_file)
    response = client.get(f"{PAGES[lang]}/legal/privacy")
    assert response.status_code == 200
    html = response.text
    assert f'<html lang="{"pt-PT" if lang == "pt_PT" else "en"}"' in html
    controller = privacy["controller"]
    for value in (controller["legal_name"], controller["tax_id"], controller["address"]):
        assert _shown(str(value)) in html
    assert f'href="mailto:{privacy["contact_email"]}"' in html
    authority = privacy["supervisory_authority"]
    assert f'href="{authority["url"]}"' in html
    assert _shown(authority["name"]) in html
    for purpose in privacy["purposes"]:
        for key in ("what", "legal_basis", "retention"):
            assert _shown(_filled(purpose[key][lang], DEFAULT_PERIODS)) in html
    for processor in privacy["processors"]:
        assert _shown(processor["name"]) in html
        assert _shown(processor["purpose"][lang]) in html
        assert f'href="{processor["url"]}"' in html
    # The numbers come from the shop's settings, never a placeholder left showing.
    assert "{" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    assert ("24 meses" if lang == "pt_PT" else "24 months") in html
    # The rights, and where to exercise them.
    rights = re.findall(r'data-right="([a-z-]+)"', html)
    assert rights == [
        "access",
        "rectification",
        "erasure",
        "objection",
        "portability",
        "withdraw-consent",
        "complaint",
    ]
    assert f'href="{PAGES[lang]}/legal/cookies"' in html


@pytest.mark.parametrize("lang", PAGES)
def test_cookie_policy_lists_every_cookie_and_links_the_preferences(client, event_file, lang):
    privacy = _privacy(event_file)
    response = client.get(f"{PAGES[lang]}/legal/cookies")
    assert response.status_code == 200
    html = response.text
    names = re.findall(r"data-cookie-name>([^<]+)<", html)
    assert names == [
        _shown(cookie["name"])
        for category in ("necessary", "analytics", "marketing")
        for cookie in privacy["cookies"]
        if cookie["category"] == category
    ]
    for cookie in privacy["cookies"]:
        assert _shown(cookie["purpose"][lang]) in html
        assert _shown(_filled(cookie["duration"][lang], DEFAULT_PERIODS)) in html
    assert f'href="{PAGES[lang]}/cookies" data-cookie-preferences-link' in html
    assert f'href="{PAGES[lang]}/legal/privacy"' in html


def test_an_edit_to_the_data_file_shows_on_the_pages(client, db, event_file, tmp_path):
    data = yaml.safe_load(event_file.read_text(encoding="utf-8"))
    privacy = data["privacy"]
    privacy["controller"]["legal_name"] = "Vendas & Café, Unipessoal Lda."
    privacy["contact_email"] = "dados@vendas.example"
    privacy["processors"].append(
        {
            "name": "Faturas Online, S.A.",
            "country": {"pt_PT": "Portugal (UE)", "en": "Portugal (EU)"},
            "purpose": {"pt_PT": "Emissão de faturas.", "en": "Issuing invoices."},
            "url": "https://faturas.example/privacidade",
        }
    )
    privacy["cookies"].append(
        {
            "name": "cv_lang",
            "category": "necessary",
            "provider": "Café com Vendas",
            "purpose": {"pt_PT": "Lembra a língua.", "en": "Remembers the language."},
            "duration": {"pt_PT": "1 ano", "en": "1 year"},
        }
    )
    edited = tmp_path / "event.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    sync_catalog(edited)

    policy = client.get("/legal/privacy").text
    assert "Vendas &amp; Café, Unipessoal Lda." in policy
    assert 'href="mailto:dados@vendas.example"' in policy
    assert "Faturas Online, S.A." in policy
    english = client.get("/en/legal/cookies").text
    assert "data-cookie-name>cv_lang<" in english
    assert "Remembers the language." in english


def test_retention_periods_follow_the_settings(app, client):
    saved = app.config.get("PRIVACY_RETENTION_MONTHS")
    app.config["PRIVACY_RETENTION_MONTHS"] = 36
    try:
        html = client.get("/legal/privacy").text
    finally:
        if saved is None:
            app.config.pop("PRIVACY_RETENTION_MONTHS")
        else:
            app.config["PRIVACY_RETENTION_MONTHS"] = saved
    assert "36 meses após o seu último contacto" in html
    assert "24 meses" not in html


def test_the_privacy_policy_links_the_privacy_centre(client):
    assert 'href="/en/my-data" data-privacy-centre' in client.get("/en/legal/privacy").text
    assert 'href="/my-data" data-privacy-centre' in client.get("/legal/privacy").text


# -- linked from every form -------------------------------------------------------------


class _Page(HTMLParser):
    """The links, POST forms and footer links of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.post_forms = 0
        self.footer_links: list[str] = []
        self._in_footer = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "footer":
            self._in_footer = True
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
            if self._in_footer:
                self.footer_links.append(values["href"])
        if tag == "form" and (values.get("method") or "").lower() == "post":
            self.post_forms += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "footer":
            self._in_footer = False


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _policy_path(path: str) -> str:
    return "/en/legal/privacy" if path == "/en" or path.startswith("/en/") else "/legal/privacy"


def _orders(client) -> list[str]:
    """Order and demo payment pages, which only a checkout leads to."""
    pages = []
    for method, lang in (("card", ""), ("mb_way", "/en"), ("multibanco", "")):
        response = client.post(
            f"{lang}/checkout/bilhete-geral",
            data=checkout_data(payment_method=method, email=f"{method}@example.pt"),
        )
        assert response.status_code == 303, response.text
        pages.append(response.headers["Location"])
        order = client.get(response.headers["Location"]).text
        pages += re.findall(r'href="(/(?:en/)?(?:order|demo)/[^"]+)"', order)
    return pages


def test_every_page_with_a_form_links_the_privacy_policy(client, db):
    client.post("/leads", data=lead_data())
    lead = db.session.query(Lead).one()
    seeds = ["/", "/en/", f"/leads/confirm/{lead_link_token(lead.id)}", *_orders(client)]
    seen: set[str] = set()
    queue = list(seeds)
    with_forms = []
    while queue and len(seen) < 80:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = _parse(response.text)
        # Every page: both policies in the footer.
        policy = _policy_path(path)
        assert policy in page.footer_links, path
        assert policy.replace("privacy", "cookies") in page.footer_links, path
        if page.post_forms:
            with_forms.append(path)
            assert policy in page.links, path
        for link in page.links:
            parts = urlsplit(link)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static/"):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    # The walk reached the forms that matter (not a walk that saw nothing).
    reached = " ".join(with_forms)
    for form_page in ("/leads", "/checkout/bilhete-geral", "/cookies", "/my-data", "/demo/"):
        assert form_page in reached, with_forms


def _between(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


@pytest.mark.parametrize("lang", PAGES)
def test_the_forms_themselves_say_how_data_is_used(client, lang):
    prefix = PAGES[lang]
    policy = f'href="{prefix}/legal/privacy"'
    landing = client.get(f"{prefix}/").text
    assert policy in _between(landing, 'id="lead-form"', "</form>")
    # First visit: the consent banner, with both policies beside its text.
    banner = _between(landing, 'id="consent-banner"', "</section>")
    assert policy in banner
    assert f'href="{prefix}/legal/cookies"' in banner
    checkout = client.get(f"{prefix}/checkout/bilhete-geral").text
    assert policy in _between(checkout, 'id="checkout-form"', "</form>")
    preferences = client.get(f"{prefix}/cookies").text
    assert policy in _between(preferences, "<main", "</main>")
    centre = client.get(f"{prefix}/my-data").text
    assert policy in _between(centre, 'id="privacy-form"', "</form>")
