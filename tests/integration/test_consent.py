"""Cookie consent: nothing from Google before a choice, GTM with the page's nonce after
"accept", nothing again after "reject" or a withdrawal, and a record of every choice."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from app.consent.models import ConsentRecord
from app.extensions import db
from tests.integration.helpers import csrf_token

GOOGLE = re.compile(
    r"googletagmanager|google-analytics|analytics\.google|doubleclick|gtm\.js|GTM-TEST123"
)
PAGES = ["/", "/en/", "/checkout/bilhete-geral", "/leads", "/legal/privacy", "/cookies"]


def choose(client, action: str, page: str = "/", **choices: str):
    html = client.get(page).get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "action": action, "next": page, **choices}
    return client.post("/cookies", data=data)


def nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)


def records() -> list[ConsentRecord]:
    db.session.rollback()
    return list(db.session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)))


@pytest.mark.parametrize("page", PAGES)
def test_before_a_choice_no_page_mentions_google(gtm_client, page):
    response = gtm_client.get(page)
    html = response.get_data(as_text=True)
    assert not GOOGLE.search(html), GOOGLE.search(html)
    # Consent Mode defaults are there, denied, before any tag.
    head = html.split("</head>")[0]
    assert '"analytics_storage": "denied"' in head
    assert '"ad_user_data": "denied"' in head
    assert '"functionality_storage": "granted"' in head
    assert '"wait_for_update": 500' in head


def test_the_banner_offers_accept_and_reject_equally_and_customise(gtm_client):
    html = gtm_client.get("/").get_data(as_text=True)
    banner = html.split("data-consent-banner")[1].split("</section>")[0]
    assert "Aceitar tudo" in banner and "Rejeitar tudo" in banner and "Personalizar" in banner
    accept = re.search(r'<button class="([^"]+)"[^>]*value="accept_all"', banner).group(1)
    reject = re.search(r'<button class="([^"]+)"[^>]*value="reject_all"', banner).group(1)
    assert accept == reject  # as prominent as each other
    assert 'name="analytics"' in banner and 'name="marketing"' in banner
    # It sits in the page flow before the content, not over it.
    assert html.index("data-consent-banner") < html.index('<main id="main"')


def test_accepting_loads_gtm_with_the_responses_nonce_and_consent_granted(gtm_client):
    answer = choose(gtm_client, "accept_all", page="/checkout/bilhete-geral")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/checkout/bilhete-geral"
    cookie = gtm_client.get_cookie("cv_consent")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"

    response = gtm_client.get("/checkout/bilhete-geral")
    html = response.get_data(as_text=True)
    assert "data-consent-banner" not in html
    nonce = nonce_of(response)
    snippet = re.search(r'<script nonce="([^"]+)">\s*\(function \(\) \{[^<]*gtm\.js', html)
    assert snippet, "no GTM snippet"
    assert snippet.group(1) == nonce
    assert f'tag.nonce = "{nonce}"' in html
    assert '"analytics_storage": "granted"' in html and '"ad_storage": "granted"' in html
    assert "googletagmanager.com/ns.html?id=GTM-TEST123" in html  # the noscript iframe
    csp = response.headers["Content-Security-Policy"]
    assert "https://www.googletagmanager.com" in csp


def test_rejecting_keeps_every_page_free_of_google(gtm_client):
    choose(gtm_client, "reject_all")
    for page in PAGES:
        html = gtm_client.get(page).get_data(as_text=True)
        assert "data-consent-banner" not in html
        assert not GOOGLE.search(html), (page, GOOGLE.search(html))


def test_withdrawing_consent_removes_gtm_and_is_recorded(gtm_client):
    choose(gtm_client, "accept_all")
    assert "gtm.js" in gtm_client.get("/").get_data(as_text=True)
    gtm_client.set_cookie("_ga", "GA1.1.123.456")
    answer = choose(gtm_client, "reject_all", page="/cookies")
    assert any(header.startswith("_ga=;") for header in answer.headers.getlist("Set-Cookie")), (
        answer.headers.getlist("Set-Cookie")
    )
    assert not GOOGLE.search(gtm_client.get("/").get_data(as_text=True))
    first, second = records()
    assert (first.action, first.analytics, first.marketing) == ("accept_all", True, True)
    assert (second.action, second.analytics, second.marketing) == ("reject_all", False, False)
    # One anonymous id for the browser; the proof is a hash, not the IP.
    assert first.consent_id == second.consent_id
    assert len(first.proof_hash) == 64 and "127.0.0.1" not in first.proof_hash
    assert first.policy_version == "1"


def test_customising_grants_only_what_was_ticked(gtm_client):
    choose(gtm_client, "custom", analytics="1")
    html = gtm_client.get("/").get_data(as_text=True)
    assert '"analytics_storage": "granted"' in html
    assert '"ad_storage": "denied"' in html
    assert "gtm.js" in html
    [record] = records()
    assert (record.analytics, record.marketing) == (True, False)


def test_the_preferences_page_reopens_the_choice_from_every_footer(gtm_client):
    choose(gtm_client, "custom", marketing="1")
    html = gtm_client.get("/en/checkout/bilhete-geral").get_data(as_text=True)
    assert 'href="/en/cookies?next=/en/checkout/bilhete-geral" data-cookie-preferences' in html
    prefs = gtm_client.get("/en/cookies").get_data(as_text=True)
    assert "data-consent-current" in prefs
    assert re.search(r'name="marketing" value="1" checked', prefs)
    assert not re.search(r'name="analytics" value="1" checked', prefs)


def test_consent_is_asked_again_after_a_year_or_a_new_policy(gtm_app, gtm_client):
    old = int(time.time()) - 366 * 86400
    gtm_client.set_cookie("cv_consent", f"v=1&analytics=1&marketing=1&id={'a' * 32}&at={old}")
    html = gtm_client.get("/").get_data(as_text=True)
    assert "data-consent-banner" in html and "gtm.js" not in html

    choose(gtm_client, "accept_all")
    assert "data-consent-banner" not in gtm_client.get("/").get_data(as_text=True)
    gtm_app.config["CONSENT_POLICY_VERSION"] = "2"
    try:
        html = gtm_client.get("/").get_data(as_text=True)
    finally:
        gtm_app.config["CONSENT_POLICY_VERSION"] = "1"
    assert "data-consent-banner" in html and "gtm.js" not in html


def test_the_answer_goes_back_only_to_this_site(gtm_client):
    html = gtm_client.get("/").get_data(as_text=True)
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        answer = gtm_client.post(
            "/cookies",
            data={"csrf_token": csrf_token(html), "action": "reject_all", "next": evil},
        )
        assert answer.headers["Location"] == "/"


def test_with_htmx_a_rejection_swaps_the_banner_out_and_acceptance_reloads(gtm_client):
    html = gtm_client.get("/").get_data(as_text=True)
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token(html)}
    rejected = gtm_client.post(
        "/cookies", data={"action": "reject_all", "next": "/"}, headers=headers
    )
    assert rejected.status_code == 200
    assert 'id="consent-banner"' in rejected.get_data(as_text=True)
    assert "data-consent-saved" in rejected.get_data(as_text=True)
    accepted = gtm_client.post(
        "/cookies", data={"action": "accept_all", "next": "/"}, headers=headers
    )
    assert accepted.headers["HX-Redirect"] == "/"


def test_with_htmx_an_acceptance_keeps_a_page_typed_into_and_tags_start_on_the_next(
    gtm_client,
):
    html = gtm_client.get("/checkout/bilhete-geral").get_data(as_text=True)
    assert 'name="keep_page"' in html
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token(html)}
    accepted = gtm_client.post(
        "/cookies",
        data={"action": "accept_all", "next": "/checkout/bilhete-geral", "keep_page": "1"},
        headers=headers,
    )
    assert accepted.status_code == 200
    assert "HX-Redirect" not in accepted.headers
    done = accepted.get_data(as_text=True)
    assert "data-consent-saved" in done and "próxima página" in done
    assert records()[-1].analytics and records()[-1].marketing
    assert "gtm.js" in gtm_client.get("/checkout/bilhete-geral").get_data(as_text=True)


def test_without_a_gtm_container_nothing_is_loaded_even_with_consent(client):
    html = client.get("/").get_data(as_text=True)
    data = {"action": "accept_all", "next": "/"}
    client.post("/cookies", data=data)
    html = client.get("/").get_data(as_text=True)
    assert "gtm.js" not in html and "googletagmanager" not in html
    assert "googletagmanager" not in client.get("/").headers["Content-Security-Policy"]
