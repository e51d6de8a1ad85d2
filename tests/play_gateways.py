"""Stripe and ifthenpay played on this machine, to walk the shop by hand without accounts.

    make gateways        # prints the settings to start the shop with; then `make run`

It serves the doubles the tests use (tests/stripe_double.py, tests/ifthenpay_double.py):

- ifthenpay's API at http://127.0.0.1:8765/ifthenpay, and at http://127.0.0.1:8765/ a
  page that plays the buyer's phone and the ATM. It lists each MB WAY request and
  Multibanco reference the shop asked for, with buttons to approve, reject or let
  expire, and to pay. Approving or paying calls the shop's callback as ifthenpay does
  (GET, with the anti-phishing key). The shop's clock reads a rejection or an expiry at
  the gateway, as with the real one.
- Stripe's API at http://127.0.0.1:8766. The card goes to its own Checkout page there.
  Paying sends the shop the signed `checkout.session.completed` webhook, then brings
  the buyer back to her order, as Stripe's success URL does.
"""

from __future__ import annotations

import argparse
import html
import json
import time
import urllib.error
import urllib.request
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.ifthenpay_double import SPLIT_METHODS, IfthenpayDouble, ifthenpay_settings
from tests.stripe_double import WEBHOOK_SECRET, StripeDouble, sign

STATES = {"123": "waiting", "000": "paid", "020": "rejected", "101": "expired"}
PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8>"
    '<meta name="viewport" content="width=device-width"><title>{title}</title>'
    "<h1>{title}</h1>{body}</html>"
)


def _call(request: urllib.request.Request | str) -> str:
    """What the shop answered (status and text), or why it did not."""
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return f"{answer.status} {answer.read().decode().strip()}"
    except urllib.error.HTTPError as refused:
        return f"{refused.code} {refused.read().decode().strip()}"
    except urllib.error.URLError as down:
        return f"the shop did not answer: {down.reason}"


def _html(title: str, body: str) -> Response:
    return Response(PAGE.format(title=title, body=body), content_type="text/html; charset=utf-8")


class PlayedIfthenpay:
    """The phone and the ATM: a page listing the gateway's payments, with the buyer's buttons."""

    def __init__(self, server: HTTPServer, shop: str) -> None:
        self.double = IfthenpayDouble(server)
        self.shop = shop
        self.said = "Buy in the shop with MB WAY or Multibanco; the request appears here."
        server.expect_request("/", method="GET").respond_with_handler(self.page)
        server.expect_request("/act", method="POST").respond_with_handler(self.act)

    def _row(self, payment: Any) -> str:
        if payment.method == "mbway":
            what = f"MB WAY to {payment.phone}"
            actions = [
                ("approve", "Approve in the app"),
                ("reject", "Reject"),
                ("expire", "Expire"),
            ]
        else:
            what = f"Multibanco {payment.entity} / {payment.reference}"
            actions = [("approve", "Pay at the ATM")]
        buttons = "".join(f'<button name="do" value="{d}">{label}</button>' for d, label in actions)
        form = (
            f'<form method="post" action="/act"><input type="hidden" name="id" '
            f'value="{payment.request_id}">{buttons}</form>'
            if payment.status == "123"
            else ""
        )
        return (
            f"<tr><td>{html.escape(what)}</td><td>{payment.amount} €</td>"
            f"<td>{STATES.get(payment.status, payment.status)}</td><td>{form}</td></tr>"
        )

    def page(self, request: Request) -> Response:
        rows = "".join(self._row(p) for p in reversed(list(self.double.payments.values())))
        body = (
            f"<p>{html.escape(self.said)}</p><table><tr><th>payment</th><th>amount</th>"
            f'<th>state</th><th></th></tr>{rows}</table><p><a href="/">Refresh</a></p>'
        )
        return _html("ifthenpay, played on this machine", body)

    def act(self, request: Request) -> Response:
        request_id, do = request.form.get("id", ""), request.form.get("do", "")
        if request_id in self.double.payments:
            if do == "approve":
                payment = self.double.approve(request_id)
                query = self.double.callback_query(payment)
                answer = _call(f"{self.shop}/webhooks/ifthenpay?{query}")
                self.said = f"Paid. The shop answered the callback: {answer}"
            elif do in ("reject", "expire"):
                getattr(self.double, do)(request_id)
                self.said = f"{do.title()}ed: the shop's clock reads it within a few seconds."
        return Response(status=303, headers={"Location": "/"})


class PlayedStripe(StripeDouble):
    """Stripe's API, and a Checkout page of its own at /pay/<session>."""

    shop: str = ""

    def _handle(self, request: Request) -> Response:
        if not request.path.startswith("/pay/"):
            return super()._handle(request)
        session = self.objects.get(request.path.removeprefix("/pay/"))
        if session is None:
            return _html("Stripe Checkout (played)", "<p>No such session.</p>")
        if request.method == "POST":
            if request.form.get("do") != "pay":
                return Response(status=303, headers={"Location": session["cancel_url"]})
            completed = self.complete_session(session["id"])
            payload = json.dumps(self.event("checkout.session.completed", completed)).encode()
            _call(
                urllib.request.Request(
                    f"{self.shop}/webhooks/stripe",
                    data=payload,
                    method="POST",
                    headers={"Content-Type": "application/json", "Stripe-Signature": sign(payload)},
                )
            )
            return Response(status=303, headers={"Location": session["success_url"]})
        amount = f"{session['amount_total'] / 100:.2f} €"
        body = (
            f"<p>{amount} for {html.escape(str(session.get('customer_email') or ''))}</p>"
            f'<form method="post"><button name="do" value="pay">Pay {amount}</button> '
            '<button name="do" value="cancel">Go back to the shop</button></form>'
        )
        return _html("Stripe Checkout (played)", body)


def serve(port: int, shop: str) -> None:
    ifthenpay_server = HTTPServer(host="127.0.0.1", port=port)
    ifthenpay_server.start()
    PlayedIfthenpay(ifthenpay_server, shop)
    stripe_server = HTTPServer(host="127.0.0.1", port=port + 1)
    stripe_server.start()
    PlayedStripe.shop = shop
    PlayedStripe(stripe_server)
    settings = {
        **ifthenpay_settings(ifthenpay_server.url_for("/ifthenpay")),
        "PAYMENT_METHODS": SPLIT_METHODS,
        "STRIPE_SECRET_KEY": "sk_test_played",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_server.url_for("/").rstrip("/"),
    }
    print(f"ifthenpay's phone and ATM: {ifthenpay_server.url_for('/')}")
    print(f"Stripe: {settings['STRIPE_API_BASE']}  (the shop is at {shop})")
    print("Start the shop with these settings (in .env, or before `make run`):")
    for name, value in settings.items():
        if value:
            print(f"{name}={value}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        ifthenpay_server.stop()
        stripe_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Stripe and ifthenpay played on this machine.")
    parser.add_argument("--port", type=int, default=8765, help="ifthenpay's; Stripe's is next")
    parser.add_argument("--shop", default="http://127.0.0.1:8000", help="the shop's BASE_URL")
    arguments = parser.parse_args()
    serve(arguments.port, arguments.shop.rstrip("/"))


if __name__ == "__main__":
    main()
