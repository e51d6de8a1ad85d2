"""ifthenpay's REST API, as plain calls: the requests we send and the answers we read.

Endpoints (https://www.ifthenpay.com/docs/en/):
- POST /spg/payment/mbway: an MB WAY request pushed to the buyer's phone;
- GET  /spg/payment/mbway/status: what became of it;
- POST /multibanco/reference/init: a dynamic Multibanco reference;
- POST /v2/payments/read: the payments received (read with the backoffice key);
- POST /v2/payments/refund: money back on a payment (backoffice key).

None of these takes an idempotency key, so no write is ever retried here: a request
that may have reached the gateway and failed on the way back is reported, and the
callback (matched by our order id) still settles a payment made meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from app.payments.provider import PaymentProviderError

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.ifthenpay.com"


def gateway_amount(cents: int) -> str:
    """Euros with a dot and two decimals, as every ifthenpay endpoint takes them."""
    return f"{cents // 100}.{cents % 100:02d}"


def cents_from(amount: object) -> int | None:
    """The amount the gateway reports ("147.00", 147, "147,00") in cents; None if unreadable."""
    try:
        value = Decimal(str(amount).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite() or value < 0:
        return None
    return int((value * 100).to_integral_value())


@dataclass(frozen=True)
class GatewayAnswer:
    """An answer the gateway gave with HTTP 200 and a JSON object."""

    data: dict[str, Any]

    def text(self, *names: str) -> str:
        """The first of `names` the answer holds, as text ("" when none)."""
        for name in names:
            value = self.data.get(name)
            if value is not None:
                return str(value).strip()
        return ""


class Gateway:
    """The HTTP side of ifthenpay: one short timeout for reads a page waits on, a longer
    one for writes."""

    def __init__(
        self, api_base: str, *, timeout_seconds: float = 15, quick_timeout_seconds: float = 4
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout_seconds
        self.quick_timeout = quick_timeout_seconds
        self.http = requests.Session()

    def _answer(self, response: requests.Response, what: str) -> GatewayAnswer:
        if response.status_code != 200:
            raise PaymentProviderError(
                "provider_unavailable", f"{what}: HTTP {response.status_code}"
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise PaymentProviderError("provider_unavailable", f"{what}: not JSON") from exc
        if not isinstance(data, dict):
            raise PaymentProviderError("provider_unavailable", f"{what}: not a JSON object")
        return GatewayAnswer(data)

    def post(self, path: str, body: dict[str, Any], *, quick: bool = False) -> GatewayAnswer:
        try:
            response = self.http.post(
                self.api_base + path,
                json=body,
                timeout=self.quick_timeout if quick else self.timeout,
            )
        except requests.RequestException as exc:
            raise _unreachable(path, exc) from exc
        return self._answer(response, path)

    def get(self, path: str, params: dict[str, str]) -> GatewayAnswer:
        try:
            response = self.http.get(
                self.api_base + path, params=params, timeout=self.quick_timeout
            )
        except requests.RequestException as exc:
            raise _unreachable(path, exc) from exc
        return self._answer(response, path)


def _unreachable(path: str, exc: requests.RequestException) -> PaymentProviderError:
    # The exception's text may hold the URL with a key in its query: only its kind is kept.
    return PaymentProviderError("provider_unavailable", f"{path}: {type(exc).__name__}")
