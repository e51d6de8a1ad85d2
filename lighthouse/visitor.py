"""Walk the audited server as a buyer would, for the pages Lighthouse audits as one.

`python lighthouse/visitor.py ORIGIN` prints two lines:
  consent=<the Cookie header of a visitor who pressed "Accept all" on the banner>
  order=<the path of an order awaiting its MB WAY payment (demo)>
Both come from the server's own forms (CSRF token and all), not from made-up values.
"""

from __future__ import annotations

import re
import sys
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode

CHECKOUT = "/checkout/bilhete-geral"


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" (?:type="hidden" )?value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)" name="{name}"', html
    )
    if match is None:
        raise SystemExit(f"lighthouse/visitor.py: no {name} field on the page")
    return match[1]


def _browser() -> tuple[urllib.request.OpenerDirector, CookieJar]:
    jar = CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def accepted_consent(origin: str) -> str:
    browser, jar = _browser()
    html = browser.open(f"{origin}/", timeout=15).read().decode()
    fields = {"csrf_token": _hidden(html, "csrf_token"), "next": "/", "action": "accept_all"}
    browser.open(f"{origin}/cookies", data=urlencode(fields).encode(), timeout=15).read()
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def waiting_order(origin: str) -> str:
    browser, _jar = _browser()
    html = browser.open(origin + CHECKOUT, timeout=15).read().decode()
    fields = {
        "csrf_token": _hidden(html, "csrf_token"),
        "checkout_key": _hidden(html, "checkout_key"),
        "name": "Compradora Lighthouse",
        "email": "lighthouse-buyer@example.pt",
        "phone": "912 345 678",
        "payment_method": "mb_way",
        "accept_terms": "y",
    }
    answer = browser.open(origin + CHECKOUT, data=urlencode(fields).encode(), timeout=15)
    path = re.sub(r"^https?://[^/]+", "", answer.geturl())
    if not path.startswith("/order/"):
        raise SystemExit(f"lighthouse/visitor.py: the checkout did not lead to an order: {path}")
    return path


if __name__ == "__main__":
    server = sys.argv[1].rstrip("/")
    print(f"consent={accepted_consent(server)}")
    print(f"order={waiting_order(server)}")
