"""Simulated buyers: each opens the checkout, sends it (card, demo provider), pays on the
demo card page and opens her order page, as a browser does (cookies, CSRF tokens, the
checkout's own key), timing every request. Threads, not asyncio: each buyer's steps
depend on the answer before, and urllib follows the redirects as a browser would."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from urllib.parse import urlencode

FIELD = r'name="{name}"[^>]*? value="([^"]*)"'


@dataclass
class Purchases:
    buyers: int = 0
    paid: int = 0
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms) or [float("nan")]
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _hidden(html: str, name: str) -> str:
    match = re.search(FIELD.format(name=name), html)
    if match is None:
        raise ValueError(f"no {name} on the page")
    return match[1]


class _Buyer:
    def __init__(self, origin: str, number: int, latencies: list[float]) -> None:
        self.origin = origin
        self.number = number
        self.latencies = latencies
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def _open(self, path: str, fields: dict[str, str] | None = None) -> tuple[str, str]:
        """(the final address after redirects, the page), timing each request."""
        data = urlencode(fields).encode() if fields is not None else None
        started = time.perf_counter()
        with self.browser.open(self.origin + path, data=data, timeout=30) as answer:
            page = answer.read().decode()
            where = re.sub(r"^https?://[^/]+", "", answer.geturl())
        self.latencies.append((time.perf_counter() - started) * 1000)
        return where, page

    def buy(self, checkout: str) -> bool:
        _where, page = self._open(checkout)
        fields = {
            "csrf_token": _hidden(page, "csrf_token"),
            "checkout_key": _hidden(page, "checkout_key"),
            "name": "Compradora Carga",
            "email": f"carga-{self.number}@example.pt",
            "phone": "912 345 678",
            "payment_method": "card",
            "accept_terms": "y",
        }
        card, page = self._open(checkout, fields)
        if not card.startswith("/demo/card/"):
            raise ValueError(f"the checkout led to {card}")
        fields = {"csrf_token": _hidden(page, "csrf_token"), "cardholder_name": "Carga"}
        order, page = self._open(card, fields)
        if not order.startswith("/order/"):
            raise ValueError(f"the payment led to {order}")
        return 'data-order-status="paid"' in page


def buy_many(origin: str, checkout: str, buyers: int, at_once: int) -> Purchases:
    """`buyers` purchases, `at_once` of them at a time; what happened."""
    result = Purchases(buyers=buyers)

    def one(number: int) -> str | None:
        """None once paid, else what went wrong (list.append is atomic: latencies)."""
        try:
            if _Buyer(origin, number, result.latencies_ms).buy(checkout):
                return None
            return f"buyer {number}: the order page does not say paid"
        except (OSError, ValueError, urllib.error.HTTPError) as error:
            return f"buyer {number}: {error}"

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        outcomes = list(pool.map(one, range(buyers)))
    result.seconds = time.perf_counter() - started
    result.errors = [outcome for outcome in outcomes if outcome is not None]
    result.paid = buyers - len(result.errors)
    return result
