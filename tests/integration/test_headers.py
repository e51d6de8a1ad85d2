"""A header scan of every page the shop serves, as production sends them, and the templates
and htmx settings that keep the pages within the policy.

What is scanned and what each answer must carry is in header_scan.py.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.config import load_settings
from app.extensions import db as database
from app.orders.models import Order
from app.outbox.worker import run_once
from tests.integration.header_scan import (
    HttpsClient,
    Shop,
    answers_to_forms,
    assert_locked_down,
    directives,
    lead_token,
    newest_order,
    order_by_token,
    pages_of,
    scan,
)
from tests.integration.helpers import check_out, check_out_like_a_browser, send_webhook, token_from
from tests.stripe_double import WEBHOOK_SECRET
from tests.support import built_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Fixed keys, only for this test's production settings (never real data).
KEY_A = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
KEY_B = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8"


# --- The shops scanned -------------------------------------------------------------------


@pytest.fixture
def production_shop(database_url, production_event_file, db, stripe) -> Iterator[Shop]:
    """The shop with production settings (from a production environment), on Stripe's double."""
    settings = load_settings(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "production-like-secret-" + "x" * 30,
            "STRIPE_SECRET_KEY": "sk_live_fake",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe.base_url,
            "BASE_URL": "https://shop.test",
            "DATABASE_URL": "postgresql://shop@db:5432/shop",
            "SMTP_URL": "smtp://mail.test:587",
            "WEB_CONCURRENCY": "1",
            "DATA_KEYS": f"k1:{KEY_A}",
            "BLIND_INDEX_KEY": KEY_B,
            # The scan buys several orders from one address.
            "OPEN_ORDERS_LIMIT": "1000",
            # A budget the scan itself stays within; the 429 page is reached per address.
            "RATELIMIT_APPLICATION": "400 per minute",
        }
    ).as_flask_config()
    assert settings["RATELIMIT_ENABLED"] is True
    with built_app(
        {
            **settings,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "EVENT_DATA_FILE": str(production_event_file),
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
                shop.orders[method] = newest_order()
            assert check_out_like_a_browser(client, "mb_way").status_code == 303
            paid = database.session.scalars(select(Order).order_by(Order.created_at.desc())).first()
            intent = stripe.succeed_intent(paid.provider_reference)
            paid_event = stripe.event("payment_intent.succeeded", intent)
            assert send_webhook(client, paid_event).status_code == 200
            shop.orders["paid"] = order_by_token(paid.public_token)
            assert shop.orders["paid"].attendee_token
            stripe.refused_phones.add("+351911111111")
            refused = check_out_like_a_browser(client, "mb_way", phone="911 111 111")
            assert refused.status_code == 303
            shop.orders["failed"] = newest_order()
            assert shop.orders["failed"].status == "failed"
            shop.confirmation_token = lead_token(app, client)
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
            # The scan buys several orders from one address.
            "OPEN_ORDERS_LIMIT": 1000,
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
                shop.orders[method] = newest_order()
            token = token_from(check_out(client))
            client.post(f"/demo/card/{token}", data={"cardholder_name": "Ana"})
            shop.orders["paid"] = order_by_token(token)
            token = token_from(check_out(client))
            client.post(f"/demo/card/{token}", data={"cardholder_name": "DECLINE"})
            shop.orders["failed"] = order_by_token(token)
            assert shop.orders["failed"].status == "failed"
            shop.confirmation_token = lead_token(app, client)
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


# --- The scans ---------------------------------------------------------------------------


def test_every_page_in_production_carries_the_whole_policy(production_shop):
    shop = production_shop
    seen = scan(shop, pages_of(shop))
    # The scan reached the pages, not only errors: landing, checkout, each order state.
    assert seen["/"] == seen["/en/"] == seen["/checkout/bilhete-geral"] == 200
    for order in shop.orders.values():
        assert seen[f"/en/order/{order.public_token}"] == 200
    assert seen[f"/attendee/{shop.orders['paid'].attendee_token}"] == 200
    assert seen["/boom"] == 500
    for what, answer in answers_to_forms(shop, "203.0.113.50"):
        assert_locked_down(answer, what, shop)
    refused = dict(answers_to_forms(shop, "203.0.113.51"))["too many leads"]
    assert refused.status_code == 429


def test_every_page_in_demo_mode_carries_the_policy(demo_shop):
    shop = demo_shop
    seen = scan(shop, pages_of(shop))
    assert seen[f"/demo/card/{shop.orders['card'].public_token}"] == 200
    assert seen[f"/en/demo/mail/{shop.mail}"] == 200
    for what, answer in answers_to_forms(shop, "203.0.113.60"):
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
    policy = directives(csp)
    assert "https://www.googletagmanager.com" in policy["script-src"]
    assert policy["style-src"][0] == "'self'" and policy["style-src"][1].startswith("'nonce-")
    assert len(policy["style-src"]) == 2
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
    for tag in re.findall(r"<style\b[^>]*>", source, re.I):
        assert 'nonce="{{ csp_nonce() }}"' in tag, f"style without the page's nonce: {tag}"
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
