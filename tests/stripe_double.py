"""A stand-in for Stripe's API, served over real HTTP by pytest-httpserver.

The shop's Stripe client is pointed at it (STRIPE_API_BASE). It keeps the objects it
made, answers in Stripe's shapes, replays a response for a repeated idempotency key
(as Stripe does), records every request so tests can check what the shop sent, and
fails on purpose when a test asks it to. Webhook events are signed with Stripe's real
v1 scheme (HMAC-SHA256 over "timestamp.payload").
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

WEBHOOK_SECRET = "whsec_test_double_secret"
MULTIBANCO_ENTITY = "11249"


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]
    flat: dict[str, str]
    headers: dict[str, str]

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("Idempotency-Key")


@dataclass
class Failure:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    error_type: str = "api_error"
    code: str | None = None


@dataclass
class StripeDouble:
    server: HTTPServer
    requests: list[Recorded] = field(default_factory=list)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    # MB WAY numbers the double refuses at once, as a phone without MB WAY would be.
    refused_phones: set[str] = field(default_factory=set)
    hang_seconds: float = 0.0

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._replies: dict[str, tuple[int, str]] = {}
        self._lock = threading.Lock()
        self.server.expect_request(re.compile(r"^/.*")).respond_with_handler(self._handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    # -- what the shop sent ------------------------------------------------------

    def calls(self, method: str, path_pattern: str) -> list[Recorded]:
        pattern = re.compile(path_pattern)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    def of_type(self, prefix: str) -> list[dict[str, Any]]:
        return [obj for key, obj in self.objects.items() if key.startswith(prefix)]

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int = 500,
        times: int = 1,
        error_type: str = "api_error",
        code: str | None = None,
    ) -> None:
        """Answer the next `times` matching requests with an error."""
        self.failures.append(
            Failure(method, re.compile(path_pattern), status, times, error_type, code)
        )

    # -- moving objects along, as Stripe would -----------------------------------

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}"

    def _charge_for(self, intent: dict[str, Any]) -> dict[str, Any]:
        charge_id = self._new_id("ch")
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_refunded": 0,
            "refunded": False,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "receipt_url": f"{self.base_url}/receipts/{charge_id}",
            "metadata": {},
            "status": "succeeded",
        }
        self.objects[charge_id] = charge
        return charge

    def succeed_intent(self, intent_id: str, *, amount: int | None = None) -> dict[str, Any]:
        intent = self.objects[intent_id]
        intent["status"] = "succeeded"
        intent["amount_received"] = amount if amount is not None else intent["amount"]
        intent["next_action"] = None
        intent["latest_charge"] = self._charge_for(intent)["id"]
        return intent

    def fail_intent(self, intent_id: str, code: str = "payment_method_provider_decline"):
        intent = self.objects[intent_id]
        intent["status"] = "requires_payment_method"
        intent["last_payment_error"] = {"type": "card_error", "code": code, "message": code}
        return intent

    def process_intent(self, intent_id: str) -> dict[str, Any]:
        intent = self.objects[intent_id]
        intent["status"] = "processing"
        return intent

    def complete_session(self, session_id: str, *, amount: int | None = None) -> dict[str, Any]:
        """The buyer paid on the hosted Checkout page."""
        session = self.objects[session_id]
        intent = self._make_intent(
            {
                "amount": amount if amount is not None else session["amount_total"],
                "currency": session["currency"],
                "metadata": session["payment_intent_data_metadata"],
                "payment_method_types": ["card"],
            }
        )
        self.succeed_intent(intent["id"])
        session.update(status="complete", payment_status="paid", payment_intent=intent["id"])
        if amount is not None:
            session["amount_total"] = amount
        return session

    def charge_of(self, intent_id: str) -> dict[str, Any]:
        return self.objects[self.objects[intent_id]["latest_charge"]]

    def refund_charge(self, charge_id: str, amount: int) -> dict[str, Any]:
        charge = self.objects[charge_id]
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        return charge

    # -- webhooks ------------------------------------------------------------------

    def event(self, type_: str, obj: dict[str, Any]) -> dict[str, Any]:
        public = {k: v for k, v in obj.items() if k != "payment_intent_data_metadata"}
        return {
            "id": self._new_id("evt"),
            "object": "event",
            "type": type_,
            "created": int(time.time()),
            "api_version": "2025-09-30.clover",
            "data": {"object": json.loads(json.dumps(public))},
        }

    # -- HTTP ----------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        flat = dict(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
        flat.update(dict(request.args.items(multi=False)))
        record = Recorded(
            request.method, request.path, nest(flat), flat, dict(request.headers.items())
        )
        with self._lock:
            self.requests.append(record)
            if self.hang_seconds:
                time.sleep(self.hang_seconds)
            failure = self._failure_for(record)
            if failure is not None:
                return _error(failure.status, failure.error_type, "played failure", failure.code)
            key = record.idempotency_key
            if record.method == "POST" and key and key in self._replies:
                status, body = self._replies[key]
                return Response(body, status, content_type="application/json")
            status, payload = self._route(record)
            body = json.dumps(payload)
            if record.method == "POST" and key and status < 500:
                self._replies[key] = (status, body)
            return Response(body, status, content_type="application/json")

    def _failure_for(self, record: Recorded) -> Failure | None:
        for failure in self.failures:
            matches = failure.method == record.method and failure.path.fullmatch(record.path)
            if failure.times > 0 and matches:
                failure.times -= 1
                return failure
        return None

    def _route(self, r: Recorded) -> tuple[int, dict[str, Any]]:
        path = r.path
        if r.method == "POST" and path == "/v1/customers":
            return 200, self._make_customer(r.params)
        if r.method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._make_session(r.params)
        if r.method == "POST" and path == "/v1/payment_intents":
            return 200, self._confirm_intent(r.params)
        if r.method == "POST" and path == "/v1/refunds":
            return self._make_refund(r.params)
        match = re.fullmatch(r"/v1/(checkout/sessions|payment_intents)/([^/]+)(/[a-z]+)?", path)
        if not match or match.group(2) not in self.objects:
            return 404, _error_body("invalid_request_error", "No such object", "resource_missing")
        obj = self.objects[match.group(2)]
        action = match.group(3)
        if r.method == "GET" and not action:
            view = {k: v for k, v in obj.items() if k != "payment_intent_data_metadata"}
            if "latest_charge" in r.flat.get("expand[0]", "") and obj.get("latest_charge"):
                view = {**view, "latest_charge": self.objects[obj["latest_charge"]]}
            return 200, view
        if r.method == "POST" and action == "/expire":
            if obj["status"] != "open":
                return 400, _error_body(
                    "invalid_request_error", "Session is not open", "checkout_session_not_open"
                )
            obj["status"] = "expired"
            return 200, obj
        if r.method == "POST" and action == "/cancel":
            if obj["status"] in {"succeeded", "canceled", "processing"}:
                return 400, _error_body(
                    "invalid_request_error",
                    f"PaymentIntent is {obj['status']}",
                    "payment_intent_unexpected_state",
                )
            obj["status"] = "canceled"
            obj["cancellation_reason"] = r.params.get("cancellation_reason")
            return 200, obj
        return 404, _error_body("invalid_request_error", "Unrecognized request URL", None)

    def _make_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = {"id": self._new_id("cus"), "object": "customer", **params}
        self.objects[customer["id"]] = customer
        return customer

    def _make_session(self, params: dict[str, Any]) -> dict[str, Any]:
        session_id = self._new_id("cs")
        item = params["line_items"][0]
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.base_url}/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "mode": params.get("mode"),
            "amount_total": int(item["price_data"]["unit_amount"]) * int(item["quantity"]),
            "currency": item["price_data"]["currency"],
            "client_reference_id": params.get("client_reference_id"),
            "customer": params.get("customer"),
            "customer_email": params.get("customer_email"),
            "locale": params.get("locale"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "expires_at": int(params["expires_at"]),
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "payment_intent_data_metadata": params.get("payment_intent_data", {}).get(
                "metadata", {}
            ),
        }
        self.objects[session_id] = session
        return session

    def _make_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = {
            "id": self._new_id("pi"),
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "amount_received": 0,
            "currency": params["currency"],
            "payment_method_types": params.get("payment_method_types", []),
            "metadata": params.get("metadata", {}),
            "description": params.get("description"),
            "receipt_email": params.get("receipt_email"),
            "status": "requires_payment_method",
            "next_action": None,
            "last_payment_error": None,
            "latest_charge": None,
        }
        self.objects[intent["id"]] = intent
        return intent

    def _confirm_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self._make_intent(params)
        method = params["payment_method_data"]["type"]
        billing = params["payment_method_data"].get("billing_details", {})
        intent["payment_method_data"] = params["payment_method_data"]
        if method == "mb_way" and billing.get("phone") in self.refused_phones:
            return self.fail_intent(intent["id"], "payment_method_provider_decline")
        intent["status"] = "requires_action"
        if method == "multibanco":
            intent["next_action"] = {
                "type": "multibanco_display_details",
                "multibanco_display_details": {
                    "entity": MULTIBANCO_ENTITY,
                    "reference": f"{int(intent['id'][-6:]):09d}",
                    "expires_at": int(time.time()) + 7 * 24 * 3600,
                    "hosted_voucher_url": f"{self.base_url}/vouchers/{intent['id']}",
                },
            }
        return intent

    def _make_refund(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.objects.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return 400, _error_body("invalid_request_error", "Nothing to refund", "charge_missing")
        charge = self.charge_of(intent["id"])
        amount = int(params.get("amount") or charge["amount"] - charge["amount_refunded"])
        refund = {
            "id": self._new_id("re"),
            "object": "refund",
            "amount": amount,
            "payment_intent": intent["id"],
            "charge": charge["id"],
            "status": "succeeded",
            "metadata": params.get("metadata", {}),
        }
        self.objects[refund["id"]] = refund
        return 200, refund


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header value: t=<unix time>,v1=<HMAC-SHA256 of "t.payload">."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def nest(flat: dict[str, str]) -> dict[str, Any]:
    """Turn Stripe's form keys (a[b][0][c]=v) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in flat.items():
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def _error_body(error_type: str, message: str, code: str | None) -> dict[str, Any]:
    return {"error": {"type": error_type, "message": message, "code": code}}


def _error(status: int, error_type: str, message: str, code: str | None) -> Response:
    return Response(
        json.dumps(_error_body(error_type, message, code)),
        status,
        content_type="application/json",
    )
