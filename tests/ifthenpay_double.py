"""ifthenpay's API played over real HTTP (pytest-httpserver), under the prefix /ifthenpay.

It checks what the shop sends field by field as the gateway would refuse it (keys, a
15-character order id, amounts with a dot and two decimals, MB WAY numbers as
`351#912345678`), keeps the MB WAY requests and Multibanco references it made, plays
the buyer's side (approve, reject, let expire, pay at the ATM) and builds the callback
ifthenpay sends for a payment, with or without the right anti-phishing key. It fails
or hangs on purpose when a test asks (see tests/http_doubles.Receiver).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer

from tests.http_doubles import Answer, Receiver, Seen

MBWAY_KEY = "ABC-123456"
MB_KEY = "MBK-654321"
BACKOFFICE_KEY = "1111-2222-3333-4444"
ANTI_PHISHING_KEY = "anti-phishing-key-of-the-test-shop"
ENTITY = "11249"
# Card by Stripe, MB WAY and Multibanco by ifthenpay: the configuration most Portuguese
# shops would run, and the one the tests play.
SPLIT_METHODS = "card=stripe,mb_way=ifthenpay,multibanco=ifthenpay"

# One sequence for every double of a session: a live server's database outlives each
# test's double, and the gateway never gives two payments one request id.
_IDS = itertools.count(1)
AMOUNT = re.compile(r"\d{1,6}\.\d{2}")
PHONE = re.compile(r"\d{1,3}#\d{6,14}")


def ifthenpay_settings(api_base: str) -> dict[str, str]:
    """What makes a shop take MB WAY and Multibanco through the double at `api_base`."""
    return {
        "PAYMENT_PROVIDER": "",
        "IFTHENPAY_MBWAY_KEY": MBWAY_KEY,
        "IFTHENPAY_MB_KEY": MB_KEY,
        "IFTHENPAY_BACKOFFICE_KEY": BACKOFFICE_KEY,
        "IFTHENPAY_ANTI_PHISHING_KEY": ANTI_PHISHING_KEY,
        "IFTHENPAY_API_BASE": api_base.rstrip("/"),
    }


@dataclass
class GatewayPayment:
    """One MB WAY request or Multibanco reference, as the gateway keeps it."""

    method: str  # "mbway" or "multibanco"
    request_id: str
    order_id: str
    amount: str
    # MB WAY: "123" waiting, "000" paid, "020" rejected, "101" expired.
    status: str = "123"
    phone: str = ""
    entity: str = ""
    reference: str = ""
    expiry_days: int | None = None
    refunded: str = "0.00"


class IfthenpayDouble(Receiver):
    """MB WAY requests and status, Multibanco references, the payments list and refunds."""

    def __init__(self, server: HTTPServer, prefix: str = "/ifthenpay") -> None:
        super().__init__(server, prefix)
        self.payments: dict[str, GatewayPayment] = {}
        # MB WAY numbers the gateway refuses at once (code 122), as a phone without MB WAY.
        self.refused_phones: set[str] = set()
        self.route("POST", r"/spg/payment/mbway", self._mbway)
        self.route("GET", r"/spg/payment/mbway/status", self._mbway_status)
        self.route("POST", r"/multibanco/reference/init", self._multibanco)
        self.route("POST", r"/v2/payments/read", self._read)
        self.route("POST", r"/v2/payments/refund", self._refund)

    # -- the buyer's side ----------------------------------------------------------

    def only(self, method: str) -> GatewayPayment:
        [payment] = [p for p in self.payments.values() if p.method == method]
        return payment

    def of_order(self, order_id_prefix: str) -> list[GatewayPayment]:
        return [p for p in self.payments.values() if p.order_id.startswith(order_id_prefix)]

    def approve(self, request_id: str) -> GatewayPayment:
        payment = self.payments[request_id]
        payment.status = "000"
        return payment

    def reject(self, request_id: str) -> None:
        self.payments[request_id].status = "020"

    def expire(self, request_id: str) -> None:
        self.payments[request_id].status = "101"

    def callback_query(
        self, payment: GatewayPayment, *, key: str = ANTI_PHISHING_KEY, amount: str | None = None
    ) -> str:
        """The query string ifthenpay adds to the shop's callback URL for this payment."""
        fields = {
            "key": key,
            "orderId": payment.order_id,
            "amount": amount or payment.amount,
            "requestId": payment.request_id,
            "entity": payment.entity,
            "reference": payment.reference,
            "payment_datetime": "30-11-2026 21:15:16",
        }
        return urlencode(fields)

    # -- the API -------------------------------------------------------------------

    def _new_id(self) -> str:
        return f"ifp{next(_IDS):017d}"

    def _mbway(self, seen: Seen) -> Answer:
        body = seen.json or {}
        problems = _problems(body, "mbWayKey", MBWAY_KEY)
        if not PHONE.fullmatch(str(body.get("mobileNumber", ""))):
            problems.append("mobileNumber")
        if len(str(body.get("description", ""))) > 100 or len(str(body.get("email", ""))) > 100:
            problems.append("description or email too long")
        if problems:
            return 200, {"Status": "999", "Message": "; ".join(problems), "RequestId": ""}
        if body["mobileNumber"] in self.refused_phones:
            return 200, {"Status": "122", "Message": "Transaction declined", "RequestId": ""}
        payment = GatewayPayment(
            "mbway", self._new_id(), body["orderId"], body["amount"], phone=body["mobileNumber"]
        )
        self.payments[payment.request_id] = payment
        return 200, {
            "Amount": payment.amount,
            "Message": "Pending",
            "OrderId": payment.order_id,
            "RequestId": payment.request_id,
            "Status": "000",
        }

    def _mbway_status(self, seen: Seen) -> Answer:
        payment = self.payments.get(seen.args.get("requestId", ""))
        if seen.args.get("mbWayKey") != MBWAY_KEY or payment is None:
            return 200, {"Status": "999", "Message": "Not found"}
        return 200, {
            "CreatedAt": "30-11-2026 21:15:06",
            "Message": "Success" if payment.status == "000" else "Pending",
            "RequestId": payment.request_id,
            "Status": payment.status,
            "UpdateAt": "30-11-2026 21:15:16",
        }

    def _multibanco(self, seen: Seen) -> Answer:
        body = seen.json or {}
        problems = _problems(body, "mbKey", MB_KEY)
        days = body.get("expiryDays")
        if days is not None and (not isinstance(days, int) or days < 0):
            problems.append("expiryDays")
        if problems:
            return 200, {"Status": "-1", "Message": "; ".join(problems)}
        number = next(_IDS)
        payment = GatewayPayment(
            "multibanco",
            self._new_id(),
            body["orderId"],
            body["amount"],
            entity=ENTITY,
            reference=f"{number:09d}",
            expiry_days=days,
        )
        self.payments[payment.request_id] = payment
        expiry = "" if days is None else (date.today() + timedelta(days=days)).strftime("%d-%m-%Y")
        return 200, {
            "Amount": payment.amount,
            "Entity": ENTITY,
            "ExpiryDate": expiry,
            "Message": "Success",
            "OrderId": payment.order_id,
            "Reference": payment.reference,
            "RequestId": payment.request_id,
            "Status": "0",
        }

    def _read(self, seen: Seen) -> Answer:
        body = seen.json or {}
        if body.get("boKey") != BACKOFFICE_KEY:
            return 200, {"message": "Invalid backoffice key", "status": 401, "payments": []}
        paid = [
            _listed(p)
            for p in self.payments.values()
            if p.status == "000" and body.get("requestId") in (None, p.request_id)
        ]
        return 200, {"message": "OK", "status": 200, "payments": paid}

    def _refund(self, seen: Seen) -> Answer:
        body = seen.json or {}
        payment = self.payments.get(str(body.get("requestId", "")))
        if body.get("backofficekey") != BACKOFFICE_KEY or payment is None:
            return 200, {"Code": "0", "Message": "Refused"}
        if payment.status != "000" or not AMOUNT.fullmatch(str(body.get("amount", ""))):
            return 200, {"Code": "0", "Message": "Nothing to refund"}
        total = float(payment.refunded) + float(body["amount"])
        if total > float(payment.amount) + 1e-9:
            return 200, {"Code": "-1", "Message": "Insufficient funds"}
        payment.refunded = f"{total:.2f}"
        return 200, {"Code": "1", "Message": "Success"}


def _problems(body: dict[str, Any], key_field: str, key: str) -> list[str]:
    problems = []
    if body.get(key_field) != key:
        problems.append(f"{key_field} is not this account's")
    if not (0 < len(str(body.get("orderId", ""))) <= 15):
        problems.append("orderId must be 1 to 15 characters")
    if not AMOUNT.fullmatch(str(body.get("amount", ""))):
        problems.append("amount must be like 147.00")
    return problems


def _listed(payment: GatewayPayment) -> dict[str, Any]:
    return {
        "amount": payment.amount,
        "entity": payment.entity or "MBWAY",
        "orderId": payment.order_id,
        "paymentDate": "30-11-2026 21:15:16",
        "reference": payment.reference or payment.order_id,
        "requestId": payment.request_id,
        "subEntity": MB_KEY if payment.method == "multibanco" else MBWAY_KEY,
    }
