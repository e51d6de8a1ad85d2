"""The dataLayer each page pushes, read out of the HTML as the browser would run it."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

from app.catalog.services import current_event
from app.extensions import db
from tests.integration.helpers import (
    check_out,
    lead_data,
    only_order,
    pay_by_demo_card,
    scripts_after_first_view,
)

PUSH = re.compile(r"window\.dataLayer\.push\((\{.*?\})\);\n", re.DOTALL)
BUYER = {
    "name": "Beatriz Sofia Antunes",
    "email": "beatriz.antunes@example.pt",
    "phone": "913 222 111",
    "nif": "123456789",
}
PERSONAL = [
    "Beatriz",
    "Antunes",
    "beatriz.antunes@example.pt",
    "913222111",
    "+351913222111",
    "123456789",
]


def pushes(html: str) -> list[dict]:
    """Every event the page's head script pushes, in order."""
    return [json.loads(raw) for raw in PUSH.findall(html)]


def named(html: str, name: str) -> list[dict]:
    return [event for event in pushes(html) if event.get("event") == name]


def journey(html: str) -> dict:
    [event] = named(html, "journey_progression")
    return event


def test_every_page_pushes_its_journey_with_nothing_known_yet(client):
    for path, page_type in [
        ("/", "landing"),
        ("/en/", "landing"),
        ("/checkout/bilhete-geral", "checkout"),
        ("/leads", "lead"),
        ("/legal/privacy", "other"),
    ]:
        event = journey(client.get(path).text)
        assert event["user"] == {"id": None, "segment": None, "stage": "landing"}
        assert event["page"]["type"] == page_type
        if page_type == "landing":  # the headline A/B test runs there
            assert event["page"]["test_group"] == "headline"
            assert event["page"]["variant"] in {"a", "b"}
        else:
            assert event["page"]["variant"] is None and event["page"]["test_group"] is None


def test_the_journey_moves_from_lead_to_checkout_to_purchase(app, client):
    client.post("/leads", data=lead_data(email=BUYER["email"]))
    event = journey(client.get("/leads/thanks").text)
    expected_id = hmac.new(
        app.config["SECRET_KEY"].encode(), BUYER["email"].encode(), hashlib.sha256
    ).hexdigest()
    assert event["user"] == {"id": expected_id, "segment": "services", "stage": "lead"}

    card_page = check_out(client, **BUYER)
    assert journey(client.get("/").text)["user"]["stage"] == "checkout"
    client.post(card_page, data={"cardholder_name": "Beatriz"})
    order = only_order()
    html = client.get(f"/order/{order.public_token}").text
    assert journey(html)["user"] == {"id": expected_id, "segment": "services", "stage": "purchase"}


def test_generate_lead_once_on_the_thank_you_page_after_the_form(client):
    # Opened without having sent the form (a bookmark, a shared link): no lead.
    assert named(client.get("/leads/thanks").text, "generate_lead") == []
    response = client.post("/leads", data=lead_data())
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).text
    assert named(thanks, "generate_lead") == [{"event": "generate_lead"}]
    # A reload (or the back button) does not count the lead again.
    assert named(client.get("/leads/thanks").text, "generate_lead") == []


def test_the_checkout_page_pushes_view_item_and_begin_checkout(client):
    html = client.get("/checkout/bilhete-geral").text
    events = pushes(html)
    names = [event.get("event") for event in events]
    assert names[1:] == [None, "view_item", None, "begin_checkout"]
    assert events[1] == {"ecommerce": None}  # cleared before each, as GA4 asks
    view = named(html, "view_item")[0]["ecommerce"]
    assert view == {
        "currency": "EUR",
        "value": 147.0,
        "items": [
            {
                "item_id": "bilhete-geral",
                "item_name": "Bilhete Geral",
                "price": 147.0,
                "quantity": 1,
            }
        ],
    }


def test_payment_info_and_purchase_once_per_order_in_a_browser(app, client):
    order_url = check_out(client, **{**BUYER, "phone": "912 345 678"}, payment_method="mb_way")
    first = client.get(order_url).text
    [info] = named(first, "add_payment_info")
    assert info["ecommerce"]["payment_type"] == "mb_way"
    assert named(client.get(order_url).text, "add_payment_info") == []

    order = only_order()
    phone = client.get(f"/demo/mbway/{order.public_token}")
    assert phone.status_code == 200
    client.post(f"/demo/mbway/{order.public_token}", data={"decision": "approve"})
    paid = client.get(order_url).text
    [purchase] = named(paid, "purchase")
    assert purchase["ecommerce"] == {
        "currency": "EUR",
        "value": 147.0,
        "tax": 27.49,
        "transaction_id": str(order.id),
        "items": [
            {
                "item_id": "bilhete-geral",
                "item_name": "Bilhete Geral",
                "price": 147.0,
                "quantity": 1,
            }
        ],
    }
    # Reloading never counts the sale twice; the page remembers it in the session, not
    # the database (a GET only reads). Another browser pushes the same transaction_id,
    # which GA4 counts once.
    assert named(client.get(order_url).text, "purchase") == []
    other = app.test_client()
    [again] = named(other.get(order_url).text, "purchase")
    assert again["ecommerce"]["transaction_id"] == str(order.id)


def test_a_card_paid_before_the_order_page_still_gets_its_payment_step(client):
    pay_by_demo_card(client, cardholder=BUYER["name"], **BUYER)
    order = only_order()
    paid = client.get(f"/order/{order.public_token}").text
    names = [event.get("event") for event in pushes(paid)]
    assert names[1:] == [None, "add_payment_info", None, "purchase"]
    [info] = named(paid, "add_payment_info")
    assert info["ecommerce"]["payment_type"] == "card"


def test_an_order_turning_paid_while_htmx_follows_it_sends_the_purchase_as_data(client):
    order_url = check_out(client, payment_method="mb_way")
    client.get(order_url)
    order = only_order()
    client.post(f"/demo/mbway/{order.public_token}", data={"decision": "approve"})
    fragment = client.get(order_url, headers={"HX-Request": "true"}).text
    data = re.search(r'<script type="application/json" data-datalayer>(.*?)</script>', fragment)
    assert data, fragment[:300]
    events = json.loads(data.group(1))
    assert [e.get("event") for e in events] == [None, "purchase"]


DATALAYER_SCRIPT = re.compile(
    r"<script nonce=\"[^\"]+\">\s*(window\.dataLayer\.push\(.*?)</script>", re.DOTALL
)
DATA_BLOCK = re.compile(r'<script type="application/json" data-datalayer>(.*?)</script>', re.DOTALL)


def datalayer_text(html: str) -> str:
    """Everything the page hands to the dataLayer: the head script and htmx data blocks."""
    return "\n".join(DATALAYER_SCRIPT.findall(html) + DATA_BLOCK.findall(html))


def _assert_nothing_personal(html: str, where: str) -> None:
    assert pushes(html) or DATA_BLOCK.search(html), where
    raw = datalayer_text(html)
    parsed = "\n".join(json.dumps(event, ensure_ascii=False) for event in pushes(html))
    for value in PERSONAL:
        assert value not in raw, (where, value)
        assert value not in parsed, (where, value)


def test_no_push_on_any_page_carries_a_name_email_phone_or_nif(client):
    # The lead form sent with htmx: its thank-you fragment carries generate_lead as data.
    fragment = client.post(
        "/leads",
        data=lead_data(name=BUYER["name"], email=BUYER["email"]),
        headers={"HX-Request": "true"},
    ).text
    _assert_nothing_personal(fragment, "htmx thanks fragment")

    client.post("/leads", data=lead_data(name=BUYER["name"], email=BUYER["email"]))
    _assert_nothing_personal(client.get("/leads/thanks").text, "/leads/thanks")
    card_page = check_out(client, **BUYER)
    order = only_order()
    order_url = f"/order/{order.public_token}"
    awaiting = client.get(order_url).text
    assert named(awaiting, "add_payment_info"), "the order should be awaiting payment"
    _assert_nothing_personal(awaiting, "order awaiting payment")
    client.post(card_page, data={"cardholder_name": BUYER["name"]})
    paid = client.get(order_url).text
    assert named(paid, "purchase"), "the order should be paid"
    _assert_nothing_personal(paid, "order paid")
    pages = [
        "/",
        "/en/",
        "/checkout/bilhete-geral",
        "/en/checkout/bilhete-geral",
        "/leads",
        "/en/leads",
        order_url,
        f"/en/order/{order.public_token}",
        f"/attendee/{order.attendee_token}",
        f"/en/attendee/{order.attendee_token}",
        "/legal/privacy",
        "/terms",
        "/cookies",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_nothing_personal(response.text, path)


def test_web_vitals_are_measured_only_with_analytics_consent(client):
    assert "web-vitals" not in client.get("/").text
    client.set_cookie(
        "cv_consent", f"v=1&analytics=0&marketing=1&id={'1' * 32}&at={int(time.time())}"
    )
    assert "web-vitals" not in client.get("/").text
    client.set_cookie(
        "cv_consent", f"v=1&analytics=1&marketing=0&id={'1' * 32}&at={int(time.time())}"
    )
    html = client.get("/").text
    # Once the first view is shown, the library before our script that reads it.
    vitals = [url for url in scripts_after_first_view(html) if "vitals" in url]
    assert [re.sub(r"\.[0-9a-f]+\.js$", "", url) for url in vitals] == [
        "/static/built/web-vitals",
        "/static/built/vitals",
    ]


HEADLINES = {
    "a": "Venda mais, com calma e com método",
    "b": "Vender sem pressão também é vender bem",
}


def _consent(client, analytics: bool) -> None:
    value = f"v=1&analytics={int(analytics)}&marketing=0&id={'2' * 32}&at={int(time.time())}"
    client.set_cookie("cv_consent", value)


def test_with_analytics_consent_a_visitor_keeps_her_headline(client):
    _consent(client, analytics=True)
    first = client.get("/")
    variant = journey(first.text)["page"]["variant"]
    assert HEADLINES[variant] in first.text
    cookie = client.get_cookie("cv_ab")
    assert cookie is not None and cookie.value == f"headline={variant}" and cookie.http_only
    for _ in range(8):
        again = client.get("/")
        assert journey(again.text)["page"]["variant"] == variant
        assert HEADLINES[variant] in again.text


def test_without_analytics_consent_the_headline_lasts_the_visit_only(app, client):
    first = journey(client.get("/").text)["page"]["variant"]
    for _ in range(5):
        response = client.get("/")
        assert journey(response.text)["page"]["variant"] == first
        assert HEADLINES[first] in response.text
    assert client.get_cookie("cv_ab") is None
    # The session cookie it lives in ends with the browser: no lasting identifier.
    session_cookie = client.get_cookie("session")
    assert session_cookie is not None and session_cookie.expires is None
    # Other visitors draw their own: over 30 new browsers both headlines come up
    # (the chance that one never does is about 2 in a billion).
    seen = {journey(app.test_client().get("/").text)["page"]["variant"] for _ in range(30)}
    assert seen == {"a", "b"}


def test_a_lead_left_with_htmx_carries_generate_lead_as_data(csrf_client):
    html = csrf_client.get("/").text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    answer = csrf_client.post(
        "/leads", data=lead_data(), headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert answer.status_code == 200
    data = re.search(r'<script type="application/json" data-datalayer>(.*?)</script>', answer.text)
    assert [e.get("event") for e in json.loads(data.group(1))] == ["generate_lead"]
    assert any("/static/built/app." in url for url in scripts_after_first_view(html))


def test_a_headline_cookie_left_from_a_withdrawn_consent_is_removed(client):
    client.set_cookie("cv_ab", "headline=b")
    response = client.get("/")
    assert journey(response.text)["page"]["variant"] in {"a", "b"}
    assert client.get_cookie("cv_ab") is None
    assert any(h.startswith("cv_ab=;") for h in response.headers.getlist("Set-Cookie"))


def test_with_one_headline_there_is_no_test_and_nothing_is_kept(client):
    event = current_event()
    event.content = {k: v for k, v in event.content.items() if k != "headline_variants"}
    db.session.commit()
    _consent(client, analytics=True)
    response = client.get("/")
    assert HEADLINES["a"] in response.text
    assert journey(response.text)["page"] == {
        "type": "landing",
        "variant": None,
        "test_group": None,
    }
    assert client.get_cookie("cv_ab") is None
