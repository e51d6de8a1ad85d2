"""Kept pages: the landing page is rendered once per key and served with each visitor's
own nonce and CSRF token, as plain text or gzip, and a change to what it shows is seen
at once (PAGE_STATE_SECONDS is 0 in tests)."""

from __future__ import annotations

import gzip
import re

from sqlalchemy import select

from app.catalog.models import Offer
from app.extensions import db as _db
from tests.integration.helpers import check_out, csrf_token, lead_data

NONCE = re.compile(r'<script[^>]* nonce="([^"]+)"')


def _nonces(html: str) -> set[str]:
    return set(NONCE.findall(html))


def _without_visitor_parts(html: str) -> str:
    html = re.sub(r'nonce="[^"]+"', 'nonce=""', html)
    html = re.sub(r'"tag\.nonce = [^;]+;', "", html)
    return html.replace(csrf_token(html), "")


def test_each_visitor_gets_a_nonce_and_token_of_their_own_in_the_same_page(csrf_client, app):
    other_client = app.test_client()
    for visitor in (csrf_client, other_client):
        with visitor.session_transaction() as session:
            session["ab_headline"] = "a"  # the same headline, so the same kept page
    first = csrf_client.get("/")
    other = other_client.get("/")
    assert first.status_code == other.status_code == 200
    for answer in (first, other):
        nonces = _nonces(answer.text)
        assert len(nonces) == 1
        policy = answer.headers["Content-Security-Policy"]
        assert f"'nonce-{nonces.pop()}'" in policy
    assert _nonces(first.text) != _nonces(other.text)
    # (The CSRF tokens are equal here: the test's app context, and so `g`, outlives
    # the requests; a token is checked per visitor by the lead-form test below.)
    assert _without_visitor_parts(first.text) == _without_visitor_parts(other.text)


def test_the_token_of_a_kept_page_is_accepted_by_the_lead_form(csrf_client, db):
    csrf_client.get("/")  # kept by an earlier visitor
    token = csrf_token(csrf_client.get("/").text)
    answer = csrf_client.post("/leads", data={**lead_data(), "csrf_token": token})
    assert answer.status_code == 303


def test_gzip_is_the_same_page_and_plain_text_without_asking_for_it(client):
    zipped = client.get("/en/", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    html = gzip.decompress(zipped.get_data()).decode()
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert f"'nonce-{_nonces(html).pop()}'" in zipped.headers["Content-Security-Policy"]
    plain = client.get("/en/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert _without_visitor_parts(plain.text) == _without_visitor_parts(html)


def test_the_cookie_banner_comes_back_to_the_address_visited(client):
    html = client.get("/?utm_source=news&x=%3Cb%3E").text
    assert 'name="next" value="/?utm_source=news&amp;x=%3Cb%3E"' in html
    again = client.get("/?utm_source=other").text
    assert 'name="next" value="/?utm_source=other"' in again


def test_a_seat_taken_or_a_price_changed_shows_at_once(client, db):
    before = client.get("/en/").text
    offer = _db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    offer.capacity = 1
    _db.session.commit()
    check_out(client)
    sold_out = client.get("/en/").text
    assert sold_out != before
    assert "Sold out" in sold_out or "sold out" in sold_out
    offer = _db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))
    offer.capacity = 50
    offer.price_cents = 12345
    _db.session.commit()
    assert "123.45" in client.get("/en/").text
