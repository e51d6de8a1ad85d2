"""A header scan of every page the shop serves, as production sends them.

The pages are enumerated from the app's URL map, so a new page is scanned as soon as it
exists; a page whose URL needs values (a token, a slug) must be given an example below,
or the scan fails and says so.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.config import load_settings
from app.extensions import db as database
from app.leads.links import confirmation_token
from app.leads.models import Lead
from app.orders.models import Order
from app.outbox.worker import run_once
from tests.integration.helpers import (
    check_out,
    check_out_like_a_browser,
    csrf_token,
    lead_data,
    send_webhook,
    token_from,
)
from tests.stripe_double import WEBHOOK_SECRET
from tests.support import built_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STRIPE_CHECKOUT = "https://checkout.stripe.com"
GOOGLE = re.compile(r"google|gstatic|doubleclick", re.I)
# Not pages, with the reason each is left out of the scan.
NOT_SCANNED = {
    # WhiteNoise answers /static/ before Flask (README), with its own cache headers.
    "static": "static files are served by WhiteNoise, outside Flask",
}
# Pages only the demo provider serves: production answers them 404 (still scanned).
# Pages that answer with a redirect: the privacy centre's pages without an open visit
# send the visitor back; the privacy policy's first address leads to /legal/privacy.
REDIRECTS = {"privacy.me": 303, "privacy.download": 303, "legal.old_privacy": 301}
DEMO_ONLY = ("demo.",)
# Every feature a page could ask the browser for that the shop never needs.
DENIED_FEATURES = (
    "accelerometer",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
)
# Fixed keys, only for this test's production settings (never real data).
KEY_A = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
KEY_B = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"


@dataclass(frozen=True)
class Placed:
    """An order as its pages know it."""

    public_token: str
    attendee_token: str | None
    status: str


@dataclass
class Shop:
    """An app, a browser on it, and the things its pages need in their URLs."""

    app: Flask
    production: bool
    client: Any = None
    orders: dict[str, Placed] = field(default_factory=dict)
    confirmation_token: str = ""
    mail: str = ""
    mail_attachment: str = ""


class HttpsClient(FlaskClient):
    """A browser on https://shop.test, where the production shop lives.

    Over HTTPS Flask-WTF also wants the Referer a browser sends with a same-site form.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if not (args and not isinstance(args[0], str)):
            kwargs.setdefault("base_url", "https://shop.test")
            given = dict(kwargs.get("headers") or {})
            kwargs["headers"] = {"Referer": "https://shop.test/", **given}
        return super().open(*args, **kwargs)


def _placed(order: Order) -> Placed:
    return Placed(order.public_token, order.attendee_token, order.status)


def _order(reference: str) -> Placed:
    database.session.rollback()
    return _placed(
        database.session.scalars(select(Order).where(Order.public_token == reference)).one()
    )


def _newest_order() -> Placed:
    database.session.rollback()
    return _placed(
        database.session.scalars(select(Order).order_by(Order.created_at.desc())).first()
    )


# How to reach each page that needs values in its URL: (URL values, expected status).
def _examples(shop: Shop) -> dict[str, list[tuple[dict[str, str], int]]]:
    orders = shop.orders
    paid = orders["paid"]
    order_states = [({"token": order.public_token}, 200) for order in orders.values()]
    demo = 404 if shop.production else 200
    return {
        "checkout.checkout": [({"slug": "bilhete-geral"}, 200), ({"slug": "no-such"}, 404)],
        "checkout.order": [*order_states, ({"token": "unknown"}, 404)],
        "checkout.attendee": [({"token": paid.attendee_token}, 200)],
        "checkout.attendee_calendar": [({"token": paid.attendee_token}, 200)],
        # Stripe's hosted receipt (production), the order page (demo): a redirect.
        "payments.receipt": [({"token": paid.public_token}, 303)],
        "demo.card": [({"token": orders["card"].public_token}, demo)],
        "demo.phone": [({"token": orders["mb_way"].public_token}, demo)],
        "demo.atm": [({"token": orders["multibanco"].public_token}, demo)],
        "leads.confirm": [({"token": shop.confirmation_token}, 200), ({"token": "forged"}, 400)],
        "privacy.access": [({"token": "forged"}, 400)],
        "demo.mail": [({"name": shop.mail or "none.eml"}, demo)],
        "demo.mail_raw": [({"name": shop.mail or "none.eml"}, demo)],
        "demo.mail_attachment": [
            ({"name": shop.mail or "none.eml", "filename": shop.mail_attachment or "x"}, demo)
        ],
    }


def _pages(shop: Shop) -> Iterator[tuple[str, str, int]]:
    """(endpoint, path, expected status) for every GET page of the app."""
    examples = _examples(shop)
    for rule in sorted(shop.app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_SCANNED:
            continue
        arguments = set(rule.arguments) - {"lang"}
        if not arguments:
            # /boom is the test's own page that breaks: the 500 page is scanned too.
            status = 500 if rule.endpoint == "boom" else 200
            status = REDIRECTS.get(rule.endpoint, status)

            if shop.production and rule.endpoint.startswith(DEMO_ONLY):
                status = 404
            yield rule.endpoint, rule.rule, status
            continue
        assert rule.endpoint in examples, (
            f"{rule.rule} ({rule.endpoint}) is a new page: give it an example in _examples"
        )
        for values, status in examples[rule.endpoint]:
            path = rule.rule
            for name, value in values.items():
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
            yield rule.endpoint, path, status


def _directives(csp: str) -> dict[str, list[str]]:
    parsed = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_locked_down(response, where: str, shop: Shop) -> None:
    """The whole policy, on one response."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert csp, f"{where}: no Content-Security-Policy"
    policy = _directives(csp)
    scripts = policy["script-src"]
    nonces = [word for word in scripts if word.startswith("'nonce-")]
    assert len(nonces) == 1, f"{where}: script-src without a nonce: {scripts}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, where
    assert policy["style-src"] == ["'self'"], where
    assert policy["default-src"] == ["'self'"], where
    assert policy["frame-ancestors"] == ["'none'"], where
    assert policy["object-src"] == ["'none'"], where
    assert policy["base-uri"] == ["'self'"], where
    expected_form_action = ["'self'", STRIPE_CHECKOUT] if shop.production else ["'self'"]
    assert policy["form-action"] == expected_form_action, where
    assert not GOOGLE.search(csp), f"{where}: a Google host without GTM_ID: {csp}"

    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", where
    permissions = dict(
        item.strip().split("=", 1) for item in headers.get("Permissions-Policy", "").split(",")
    )
    for feature in DENIED_FEATURES:
        assert permissions.get(feature) == "()", f"{where}: {feature} is not denied"
    if shop.production:
        assert headers.get("Strict-Transport-Security") == (
            "max-age=31536000; includeSubDomains"
        ), where
    else:
        assert "Strict-Transport-Security" not in headers, where

    if response.mimetype == "text/html":
        nonce = nonces[0][len("'nonce-") : -1]
        tags = re.findall(r"<script\b[^>]*>", response.get_data(as_text=True))
        for tag in tags:
            if 'type="application/json"' not in tag:
                assert f'nonce="{nonce}"' in tag, f"{where}: a script without this page's nonce"

    for cookie in headers.getlist("Set-Cookie"):
        name = cookie.split("=", 1)[0]
        if re.search(r"Max-Age=0|expires=Thu, 01 Jan 1970", cookie, re.I):
            continue  # removing a cookie
        if shop.production:
            assert "; Secure" in cookie, f"{where}: {name} without Secure"
        if name in ("session", "__Host-session"):
            expected = "__Host-session" if shop.production else "session"
            assert name == expected, where
            assert "; HttpOnly" in cookie and "; SameSite=Lax" in cookie, cookie
            assert "; Path=/" in cookie and "Domain=" not in cookie, cookie


def scan(shop: Shop, pages: Iterator[tuple[str, str, int]]) -> dict[str, int]:
    """Visit every page and check every answer; what each answered."""
    seen: dict[str, int] = {}
    session_cookies = 0
    for endpoint, path, status in pages:
        response = shop.client.get(path)
        where = f"{path} ({endpoint})"
        assert response.status_code == status, f"{where}: {response.status_code}, not {status}"
        assert_locked_down(response, where, shop)
        session_cookies += sum(
            "session=" in cookie for cookie in response.headers.getlist("Set-Cookie")
        )
        seen[path] = response.status_code
    assert session_cookies, "no page set the session cookie: its flags went unchecked"
    return seen


def _answers_to_forms(shop: Shop, client_ip: str) -> list[tuple[str, Any]]:
    """Pages that answer a form: mistakes, an expired form, too many tries."""
    browser = shop.app.test_client()
    browser.environ_base["REMOTE_ADDR"] = client_ip
    answers = []
    form = browser.get("/en/leads")
    token = csrf_token(form.get_data(as_text=True))
    answers.append(("lead with mistakes", browser.post("/en/leads", data={"csrf_token": token})))
    answers.append(("expired form", browser.post("/leads", data=lead_data())))
    for n in range(5):
        browser.post("/leads", data={**lead_data(email=f"s{n}@example.pt"), "csrf_token": token})
    too_many = browser.post("/leads", data={**lead_data(), "csrf_token": token})
    answers.append(("too many leads", too_many))
    answers.append(("no such page", browser.get("/en/no-such-page")))
    answers.append(("GET on a form address", browser.get("/webhooks/stripe")))
    return answers


# --- The shops scanned -------------------------------------------------------------------


@pytest.fixture
def production_shop(database_url, event_file, db, stripe) -> Iterator[Shop]:
    """The shop with production settings (from a production environment), on Stripe's double."""
    settings = load_settings(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "production-like-secret-" + "x" * 30,
            "STRIPE_SECRET_KEY": "sk_live_fake",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe.base_url,
            "BASE_URL": "https://shop.test",
            "WEB_CONCURRENCY": "1",
            "DATA_KEYS": f"k1:{KEY_A}",
            "BLIND_INDEX_KEY": KEY_B,
            # A budget the scan itself stays within; the 429 page is reached per address.
            "RATELIMIT_APPLICATION": "400 per minute",
        }
    ).as_flask_config()
    assert settings["RATELIMIT_ENABLED"] is True
    with built_app(
        {
            **settings,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "EVENT_DATA_FILE": str(event_file),
        }
    ) as app:

        @app.get("/boom")
        def boom():  # a page that breaks, for the 500 page
            raise RuntimeError("scan")

        app.test_client_class = HttpsClient
        shop = Shop(app=app, production=True)
        shop.client = app.test_client()
        client = shop.client
        with app.app_context():
            for method in ("card", "multibanco", "mb_way"):
                assert check_out_like_a_browser(client, method).status_code == 303
                shop.orders[method] = _newest_order()
            assert check_out_like_a_browser(client, "mb_way").status_code == 303
            paid = database.session.scalars(select(Order).order_by(Order.created_at.desc())).first()
            intent = stripe.succeed_intent(paid.provider_reference)
            paid_event = stripe.event("payment_intent.succeeded", intent)
            assert send_webhook(client, paid_event).status_code == 200
            shop.orders["paid"] = _order(paid.public_token)
            assert shop.orders["paid"].attendee_token
            stripe.refused_phones.add("+351911111111")
            refused = check_out_like_a_browser(client, "mb_way", phone="911 111 111")
            assert refused.status_code == 303
            shop.orders["failed"] = _newest_order()
            assert shop.orders["failed"].status == "failed"
            shop.confirmation_token = _lead_token(app, client)
            database.session.remove()
        # The pages are visited outside this app context: a context held across requests
        # would share `g` (and its cached CSRF token) between browsers.
        yield shop


@pytest.fixture
def demo_shop(database_url, event_file, db, tmp_path) -> Iterator[Shop]:
    """The shop as it runs on a fresh machine: demo payments, emails as files."""
    with built_app(
        {
            "APP_ENV": "development",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "EVENT_DATA_FILE": str(event_file),
            "BASE_URL": "http://shop.test",
            "PAYMENT_PROVIDER": "demo",
            "MAIL_DIR": str(tmp_path / "mail"),
            "SMTP_URL": "",
            "RATELIMIT_APPLICATION": "400 per minute",
            "WTF_CSRF_ENABLED": False,
        }
    ) as app:

        @app.get("/boom")
        def boom():  # a page that breaks, for the 500 page
            raise RuntimeError("scan")

        shop = Shop(app=app, production=False)
        shop.client = client = app.test_client()
        with app.app_context():
            for method in ("card", "multibanco", "mb_way"):
                check_out(client, payment_method=method)
                shop.orders[method] = _newest_order()
            token = token_from(check_out(client))
            client.post(f"/demo/card/{token}", data={"cardholder_name": "Ana"})
            shop.orders["paid"] = _order(token)
            token = token_from(check_out(client))
            client.post(f"/demo/card/{token}", data={"cardholder_name": "DECLINE"})
            shop.orders["failed"] = _order(token)
            assert shop.orders["failed"].status == "failed"
            shop.confirmation_token = _lead_token(app, client)
            run_once()
            mails = sorted((tmp_path / "mail").glob("*.eml"))
            assert mails
            shop.mail = mails[-1].name
            for path in mails:
                message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for part in message.iter_attachments():
                    shop.mail, shop.mail_attachment = path.name, part.get_filename()
            assert shop.mail_attachment, "no email with an attachment to scan"
            database.session.remove()
        yield shop


def _lead_token(app: Flask, client) -> str:
    page = client.get("/leads").get_data(as_text=True)
    answer = client.post(
        "/leads", data={**lead_data(email="scan@example.pt"), "csrf_token": csrf_token(page)}
    )
    assert answer.status_code == 303
    database.session.rollback()
    lead = database.session.scalars(select(Lead).order_by(Lead.id.desc())).first()
    return confirmation_token(lead.id)


# --- The scans ---------------------------------------------------------------------------


def test_every_page_in_production_carries_the_whole_policy(production_shop):
    shop = production_shop
    seen = scan(shop, _pages(shop))
    # The scan reached the pages, not only errors: landing, checkout, each order state.
    assert seen["/"] == seen["/en/"] == seen["/checkout/bilhete-geral"] == 200
    for order in shop.orders.values():
        assert seen[f"/en/order/{order.public_token}"] == 200
    assert seen[f"/attendee/{shop.orders['paid'].attendee_token}"] == 200
    assert seen["/boom"] == 500
    for what, answer in _answers_to_forms(shop, "203.0.113.50"):
        assert_locked_down(answer, what, shop)
    refused = dict(_answers_to_forms(shop, "203.0.113.51"))["too many leads"]
    assert refused.status_code == 429


def test_every_page_in_demo_mode_carries_the_policy(demo_shop):
    shop = demo_shop
    seen = scan(shop, _pages(shop))
    assert seen[f"/demo/card/{shop.orders['card'].public_token}"] == 200
    assert seen[f"/en/demo/mail/{shop.mail}"] == 200
    for what, answer in _answers_to_forms(shop, "203.0.113.60"):
        assert_locked_down(answer, what, shop)


def test_the_101st_page_in_production_is_a_429_with_the_policy(production_shop):
    shop = production_shop
    client = shop.app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    for _ in range(400):
        assert client.get("/robots.txt").status_code == 200
    refused = client.get("/en/")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert_locked_down(refused, "429 page", shop)


def test_google_hosts_only_with_a_tag_manager_container(gtm_client):
    csp = gtm_client.get("/").headers["Content-Security-Policy"]
    policy = _directives(csp)
    assert "https://www.googletagmanager.com" in policy["script-src"]
    assert policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


# --- The templates and htmx keep to the policy --------------------------------------------

# Emails are read in mail clients, which ignore our CSP and drop stylesheets.
PAGE_TEMPLATES = [
    path
    for path in sorted((PROJECT_ROOT / "templates").rglob("*.html"))
    if "email" not in path.relative_to(PROJECT_ROOT / "templates").parts
]


@pytest.mark.parametrize(
    "template", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT_ROOT / "templates"))
)
def test_templates_need_no_inline_style_or_script_the_policy_would_block(template: Path):
    source = template.read_text(encoding="utf-8")
    assert not re.search(r"\sstyle\s*=", source), "inline style attribute (style-src 'self')"
    assert not re.search(r"<style\b", source, re.I), "<style> element (style-src 'self')"
    assert not re.search(r"\shx-on", source), "hx-on needs 'unsafe-eval'"
    assert not re.search(r"\son[a-z]+\s*=", source), "inline event handler"
    assert "javascript:" not in source, "javascript: URL"
    for tag in re.findall(r"<script\b[^>]*>", source):
        if 'type="application/json"' in tag:
            continue  # data, never run: CSP does not apply to it
        assert 'nonce="{{ csp_nonce() }}"' in tag, f"script without the page's nonce: {tag}"


def test_htmx_is_told_to_inject_no_style(client):
    html = client.get("/").get_data(as_text=True)
    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert match, "no htmx-config meta"
    config = json.loads(match.group(1))
    assert config["includeIndicatorCSS"] is False
    # The keys are htmx's own: a renamed key in an htmx upgrade would be silently ignored.
    htmx = (PROJECT_ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.js").read_text()
    defaults = htmx[htmx.index("this.config = {") :][:2000]
    for key in config:
        assert re.search(rf"\b{key}\s*:", defaults), f"htmx 4 has no config key {key}"
