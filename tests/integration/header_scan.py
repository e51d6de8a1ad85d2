"""A header scan of every page the shop serves: the policy each answer must carry, the pages
to visit and the shop they are visited on (test_headers.py runs the scans).

The pages are enumerated from the app's URL map, so a new page is scanned as soon as it
exists; a page whose URL needs values (a token, a slug) must be given an example in
`_examples` below, or the scan fails and says so.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db as database
from app.leads.models import Lead
from app.orders.models import Order
from app.staff.guard import OPEN_ENDPOINTS
from app.wording.messages import message_key
from tests.integration.helpers import csrf_token, lead_data, lead_link_token

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
# Metrics exist only for a scraper with METRICS_TOKEN (none in these shops).
HIDDEN = {"monitoring.metrics": 404}
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


def order_by_token(reference: str) -> Placed:
    database.session.rollback()
    return _placed(
        database.session.scalars(select(Order).where(Order.public_token == reference)).one()
    )


def newest_order() -> Placed:
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
        "checkout.attendee_tickets": [({"token": paid.attendee_token}, 200)],
        # Stripe's hosted receipt (production), the order page (demo): a redirect.
        "payments.receipt": [({"token": paid.public_token}, 303)],
        "demo.card": [({"token": orders["card"].public_token}, demo)],
        "demo.phone": [({"token": orders["mb_way"].public_token}, demo)],
        "demo.atm": [({"token": orders["multibanco"].public_token}, demo)],
        "waitlist.form": [({"slug": "bilhete-geral"}, 200), ({"slug": "no-such"}, 404)],
        "waitlist.joined": [({"slug": "bilhete-geral"}, 200)],
        "waitlist.leave_page": [({"token": "forged"}, 404)],
        "leads.confirm": [({"token": shop.confirmation_token}, 200), ({"token": "forged"}, 400)],
        "privacy.access": [({"token": "forged"}, 400)],
        "demo.mail": [({"name": shop.mail or "none.eml"}, demo)],
        # Without a staff session the back office answers its sign-in page's address.
        "staff_orders.detail": [({"order_id": str(uuid.uuid4())}, 303)],
        "staff_orders.act": [({"order_id": str(uuid.uuid4()), "action": "refund"}, 303)],
        "staff_orders.refund_ticket": [
            ({"order_id": str(uuid.uuid4()), "ticket_id": str(uuid.uuid4())}, 303)
        ],
        "staff_orders.ticket_holder": [
            ({"order_id": str(uuid.uuid4()), "ticket_id": str(uuid.uuid4())}, 303)
        ],
        "staff_signin.link": [({"token": "forged"}, 400)],
        "staff_wording.edit": [({"key": message_key("Get your ticket")}, 303)],
        "staff_event.preview": [({"revision_id": "1"}, 303)],
        "staff_discounts.edit": [({"code_id": "1"}, 303)],
        "staff_outbox.skip_message": [({"message_id": "1"}, 303)],
        "invoicing.document": [({"token": "unknown"}, 404)],
        # No image is uploaded in the scanned shops: an unknown file.
        "media.file": [({"name": "0123456789abcdef-320.jpg"}, 404)],
        "demo.mail_raw": [({"name": shop.mail or "none.eml"}, demo)],
        "demo.mail_attachment": [
            ({"name": shop.mail or "none.eml", "filename": shop.mail_attachment or "x"}, demo)
        ],
    }


def pages_of(shop: Shop) -> Iterator[tuple[str, str, int]]:
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
            status = HIDDEN.get(rule.endpoint, status)
            if rule.endpoint.startswith("staff_") and rule.endpoint not in OPEN_ENDPOINTS:
                status = 303  # the back office sends a visitor to its sign-in

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


def directives(csp: str) -> dict[str, list[str]]:
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
    policy = directives(csp)
    scripts = policy["script-src"]
    nonces = [word for word in scripts if word.startswith("'nonce-")]
    assert len(nonces) == 1, f"{where}: script-src without a nonce: {scripts}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, where
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, where
    # The buyer's pages inline their stylesheet under the same nonce (templates/base.html).
    assert policy["style-src"] == ["'self'", nonces[0]], where
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


def answers_to_forms(shop: Shop, client_ip: str) -> list[tuple[str, Any]]:
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


def lead_token(app: Flask, client) -> str:
    page = client.get("/leads").get_data(as_text=True)
    answer = client.post(
        "/leads", data={**lead_data(email="scan@example.pt"), "csrf_token": csrf_token(page)}
    )
    assert answer.status_code == 303
    database.session.rollback()
    lead = database.session.scalars(select(Lead).order_by(Lead.id.desc())).first()
    return lead_link_token(lead.id)
