"""Kit, HubSpot and GA4 played over real HTTP by one pytest-httpserver, each under a prefix
(and Kit's signed webhook deliveries, which Kit sends to the shop).

Each double keeps what it was sent and the state the real service would keep
(subscribers, tags, contacts, deals), answers in the service's shapes, and fails on
purpose when a test asks: an error status a number of times (with a Retry-After if
wanted), or an answer held back longer than the shop waits. It also records the status
it answered, so a test can count the deliveries that really succeeded per
Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

Answer = tuple[int, Any]


@dataclass
class Seen:
    """One request as the double received it, and the status it answered."""

    method: str
    path: str
    args: dict[str, str]
    headers: dict[str, str]
    body: str
    status: int | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("Idempotency-Key")


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    times: int
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0


class Receiver:
    """An outside API under `prefix` on the shared server: routes, records, fails on demand."""

    def __init__(self, server: HTTPServer, prefix: str) -> None:
        self.server = server
        self.prefix = prefix
        self.seen: list[Seen] = []
        self._faults: list[Fault] = []
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Answer]]] = []
        self._lock = threading.Lock()
        server.expect_request(re.compile(rf"^{re.escape(prefix)}/.*")).respond_with_handler(
            self._handle
        )

    @property
    def base_url(self) -> str:
        return self.server.url_for(self.prefix)

    # -- what a test asks of it --------------------------------------------------

    def route(self, method: str, pattern: str, handler: Callable[..., Answer]) -> None:
        self._routes.append((method, re.compile(pattern), handler))

    def fail(
        self,
        method: str,
        pattern: str,
        *,
        status: int = 500,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `status`, doing nothing else."""
        self._faults.append(Fault(method, re.compile(pattern), times, status, headers or {}))

    def hang(self, method: str, pattern: str, *, seconds: float, times: int = 1) -> None:
        """Hold the next `times` matching requests for `seconds`, then answer 504 unprocessed."""
        self._faults.append(Fault(method, re.compile(pattern), times, 504, hang_seconds=seconds))

    # -- what it saw -------------------------------------------------------------

    def calls(self, method: str, pattern: str) -> list[Seen]:
        regex = re.compile(pattern)
        return [s for s in self.seen if s.method == method and regex.fullmatch(s.path)]

    def successes(self, method: str, pattern: str) -> Counter[str | None]:
        """How many matching requests were answered 2xx, per Idempotency-Key."""
        return Counter(
            s.idempotency_key
            for s in self.calls(method, pattern)
            if s.status is not None and 200 <= s.status < 300
        )

    # -- HTTP --------------------------------------------------------------------

    def _handle(self, request: Request) -> Response:
        path = request.path[len(self.prefix) :]
        seen = Seen(
            request.method,
            path,
            dict(request.args.items()),
            dict(request.headers.items()),
            request.get_data(as_text=True),
        )
        with self._lock:
            self.seen.append(seen)
            fault = self._fault_for(seen)
        if fault is not None:
            if fault.hang_seconds:
                time.sleep(fault.hang_seconds)
            seen.status = fault.status
            return Response(
                json.dumps({"error": "played failure"}),
                fault.status,
                headers=fault.headers,
                content_type="application/json",
            )
        with self._lock:
            status, body = self._answer(seen)
        seen.status = status
        if body is None:
            return Response(status=status)
        return Response(json.dumps(body), status, content_type="application/json")

    def _fault_for(self, seen: Seen) -> Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method == seen.method and fault.path.fullmatch(seen.path):
                fault.times -= 1
                return fault
        return None

    def _answer(self, seen: Seen) -> Answer:
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(seen.path)
            if method == seen.method and match:
                return handler(seen, *match.groups())
        return 404, {"errors": [f"no route {seen.method} {seen.path}"]}


class KitDouble(Receiver):
    """Kit API v4: subscribers upserted by email, tags by name, taggings, sequences."""

    def __init__(self, server: HTTPServer, api_key: str, prefix: str = "/kit") -> None:
        super().__init__(server, prefix)
        self.api_key = api_key
        self._ids = itertools.count(1001)
        self.subscribers: dict[str, dict[str, Any]] = {}  # by email
        self.tags: dict[str, int] = {}  # name -> id
        self.taggings: set[tuple[int, int]] = set()  # (tag id, subscriber id)
        self.sequences: dict[str, set[str]] = {}  # sequence id -> emails
        self.route("POST", r"/v4/subscribers", self._upsert_subscriber)
        self.route("POST", r"/v4/tags", self._create_tag)
        self.route("POST", r"/v4/tags/(\d+)/subscribers/(\d+)", self._tag_subscriber)
        self.route("POST", r"/v4/sequences/(\d+)/subscribers", self._add_to_sequence)
        self.route("GET", r"/v4/subscribers", self._list_subscribers)
        self.route("POST", r"/v4/subscribers/(\d+)/unsubscribe", self._unsubscribe)

    def tags_of(self, email: str) -> set[str]:
        subscriber_id = self.subscribers[email]["id"]
        names = {tag_id: name for name, tag_id in self.tags.items()}
        return {names[t] for t, s in self.taggings if s == subscriber_id}

    def _answer(self, seen: Seen) -> Answer:
        if seen.headers.get("X-Kit-Api-Key") != self.api_key:
            return 401, {"errors": ["The API key is invalid"]}
        return super()._answer(seen)

    def _upsert_subscriber(self, seen: Seen) -> Answer:
        body = seen.json
        email = body.get("email_address")
        if not email:
            return 422, {"errors": ["Email address is invalid"]}
        existing = self.subscribers.get(email)
        if existing:
            existing["first_name"] = body.get("first_name")
            return 200, {"subscriber": existing}
        subscriber = {
            "id": next(self._ids),
            "email_address": email,
            "first_name": body.get("first_name"),
            "state": body.get("state", "active"),
        }
        self.subscribers[email] = subscriber
        return 201, {"subscriber": subscriber}

    def _create_tag(self, seen: Seen) -> Answer:
        name = seen.json.get("name")
        if name in self.tags:
            return 200, {"tag": {"id": self.tags[name], "name": name}}
        self.tags[name] = next(self._ids)
        return 201, {"tag": {"id": self.tags[name], "name": name}}

    def _tag_subscriber(self, seen: Seen, tag_id: str, subscriber_id: str) -> Answer:
        tagging = (int(tag_id), int(subscriber_id))
        subscriber = next((s for s in self.subscribers.values() if s["id"] == tagging[1]), None)
        if tagging[0] not in self.tags.values() or subscriber is None:
            return 404, {"errors": ["Not Found"]}
        status = 200 if tagging in self.taggings else 201
        self.taggings.add(tagging)
        return status, {"subscriber": subscriber}

    def _add_to_sequence(self, seen: Seen, sequence_id: str) -> Answer:
        email = seen.json.get("email_address")
        if email not in self.subscribers:
            return 404, {"errors": ["Not Found"]}
        members = self.sequences.setdefault(sequence_id, set())
        status = 200 if email in members else 201
        members.add(email)
        return status, {"subscriber": self.subscribers[email]}

    def _list_subscribers(self, seen: Seen) -> Answer:
        wanted = seen.args.get("email_address")
        found = [s for email, s in self.subscribers.items() if wanted in (None, email)]
        if seen.args.get("status", "active") != "all":
            found = [s for s in found if s["state"] == seen.args.get("status", "active")]
        return 200, {"subscribers": found, "pagination": {"has_next_page": False}}

    def _unsubscribe(self, seen: Seen, subscriber_id: str) -> Answer:
        subscriber = next(
            (s for s in self.subscribers.values() if s["id"] == int(subscriber_id)), None
        )
        if subscriber is None:
            return 404, {"errors": ["Not Found"]}
        subscriber["state"] = "cancelled"
        return 204, None


def kit_webhook_delivery(
    secret: str,
    events: list[tuple[str, str]],
    *,
    created: str | None = None,
    signed_at: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """What Kit POSTs to a webhook endpoint: (body, headers) for (event type, email) pairs,
    signed as Kit signs (X-Kit-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.body">)."""
    created = created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    envelope = {
        "delivery_id": secrets.randbelow(10**6),
        "events": [
            {
                "id": str(uuid.uuid4()),
                "type": event_type,
                "created": created,
                "data": {
                    "subscriber": {
                        "id": secrets.randbelow(10**6),
                        "first_name": "Ana",
                        "email_address": email,
                        "state": "cancelled",
                        "created_at": created,
                        "fields": {},
                    }
                },
            }
            for event_type, email in events
        ],
    }
    body = json.dumps(envelope).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Kit-Signature": kit_signature(secret, body, signed_at),
        "X-Kit-Delivery": str(envelope["delivery_id"]),
    }
    return body, headers


def kit_signature(secret: str, body: bytes, signed_at: int | None = None) -> str:
    """An X-Kit-Signature value: t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">."""
    stamp = int(time.time()) if signed_at is None else signed_at
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


class HubSpotDouble(Receiver):
    """HubSpot CRM: contacts upserted by email, deals by the order id property, associations."""

    def __init__(self, server: HTTPServer, token: str, prefix: str = "/hubspot") -> None:
        super().__init__(server, prefix)
        self.token = token
        self._ids = itertools.count(5001)
        self.contacts: dict[str, dict[str, Any]] = {}  # by email
        self.deals: dict[str, dict[str, Any]] = {}  # by cv_order_id
        self.associations: set[tuple[str, str]] = set()  # (deal id, contact id)
        # GDPR deletion of an address HubSpot never had puts it on a block list.
        self.blocklist: set[str] = set()
        self.route("POST", r"/crm/v3/objects/contacts/gdpr-delete", self._gdpr_delete)
        self.route("POST", r"/crm/v3/objects/contacts/batch/upsert", self._upsert_contacts)
        self.route("POST", r"/crm/v3/objects/deals/batch/upsert", self._upsert_deals)
        self.route(
            "PUT",
            r"/crm/v4/objects/deals/(\d+)/associations/default/contacts/(\d+)",
            self._associate,
        )

    def _answer(self, seen: Seen) -> Answer:
        if seen.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {"status": "error", "message": "Authentication credentials not found."}
        return super()._answer(seen)

    def _upsert(self, seen: Seen, store: dict[str, dict[str, Any]], id_property: str) -> Answer:
        results = []
        for item in seen.json["inputs"]:
            if item.get("idProperty") != id_property:
                return 400, {
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": f"{item.get('idProperty')} is not a unique property",
                }
            record = store.get(item["id"])
            new = record is None
            if new:
                record = {"id": str(next(self._ids)), "properties": {id_property: item["id"]}}
                store[item["id"]] = record
            record["properties"].update(item["properties"])
            results.append({**record, "new": new})
        return 200, {"status": "COMPLETE", "results": results}

    def _gdpr_delete(self, seen: Seen) -> Answer:
        body = seen.json
        if body.get("idProperty") != "email":
            return 400, {"status": "error", "message": "expected idProperty email"}
        contact = self.contacts.pop(body["objectId"], None)
        if contact is None:
            self.blocklist.add(body["objectId"])
        else:
            self.associations = {(d, c) for d, c in self.associations if c != contact["id"]}
        return 204, None

    def _upsert_contacts(self, seen: Seen) -> Answer:
        return self._upsert(seen, self.contacts, "email")

    def _upsert_deals(self, seen: Seen) -> Answer:
        return self._upsert(seen, self.deals, "cv_order_id")

    def _associate(self, seen: Seen, deal_id: str, contact_id: str) -> Answer:
        known_deal = any(d["id"] == deal_id for d in self.deals.values())
        known_contact = any(c["id"] == contact_id for c in self.contacts.values())
        if not (known_deal and known_contact):
            return 404, {"status": "error", "message": "resource not found"}
        self.associations.add((deal_id, contact_id))
        return 200, {
            "status": "COMPLETE",
            "results": [{"from": {"id": deal_id}, "to": {"id": contact_id}}],
        }


class Ga4Double(Receiver):
    """GA4's Measurement Protocol: /mp/collect answers 204; the validation server its messages."""

    def __init__(self, server: HTTPServer, prefix: str = "/ga4") -> None:
        super().__init__(server, prefix)
        self.validation_messages: list[dict[str, str]] = []
        # GA4 answers 2xx with no body whatever it was sent: only the validation
        # server says what is wrong.
        self.route("POST", r"/mp/collect", lambda seen: (204, None))
        self.route(
            "POST",
            r"/debug/mp/collect",
            lambda seen: (200, {"validationMessages": self.validation_messages}),
        )


class InvoiceXpressDouble(Receiver):
    """InvoiceXpress API v2: documents made as drafts, found by reference, finalised (which
    numbers them), their PDF and their email; checks what a real account would refuse."""

    TAXES = {"IVA23", "IVA13", "IVA6", "IVA0"}
    KINDS = {
        "invoice_receipts": ("invoice_receipt", "InvoiceReceipt", "FR"),
        "credit_notes": ("credit_note", "CreditNote", "NC"),
    }

    def __init__(self, server: HTTPServer, api_key: str, prefix: str = "/invoicexpress") -> None:
        super().__init__(server, prefix)
        self.api_key = api_key
        self._ids = itertools.count(7001)
        self._numbers: Counter[str] = Counter()
        self.documents: dict[int, dict[str, Any]] = {}
        self.emailed: list[tuple[int, str]] = []
        self.route("GET", r"/invoices\.json", self._list)
        self.route("POST", r"/(invoice_receipts|credit_notes)\.json", self._create)
        self.route("PUT", r"/(invoice_receipts|credit_notes)/(\d+)/change-state\.json", self._state)
        self.route(
            "PUT", r"/(invoice_receipts|credit_notes)/(\d+)/email-document\.json", self._email
        )
        self.route("GET", r"/api/pdf/(\d+)\.json", self._pdf)

    def _answer(self, seen: Seen) -> Answer:
        if seen.args.get("api_key") != self.api_key:
            return 401, {"errors": [{"error": "Invalid API key"}]}
        return super()._answer(seen)

    def _list(self, seen: Seen) -> Answer:
        text, kind = seen.args.get("text", ""), seen.args.get("type[]", "")
        found = [d for d in self.documents.values() if text in d["reference"] and d["type"] == kind]
        return 200, {"invoices": found}

    def _create(self, seen: Seen, path: str) -> Answer:
        root, kind, _series = self.KINDS[path]
        body = (seen.json or {}).get(root) or {}
        problems = []
        if not re.fullmatch(r"\d{2}/\d{2}/\d{4}", body.get("date", "")):
            problems.append("date must be dd/mm/yyyy")
        if not (body.get("client") or {}).get("name"):
            problems.append("client name is required")
        items = body.get("items") or []
        if not items or any((i.get("tax") or {}).get("name") not in self.TAXES for i in items):
            problems.append("items need a known tax")
        if path == "credit_notes" and int(body.get("owner_invoice_id") or 0) not in self.documents:
            problems.append("owner_invoice_id must be a document of this account")
        if problems:
            return 422, {"errors": [{"error": p} for p in problems]}
        document = {**body, "id": next(self._ids), "type": kind, "status": "draft"}
        self.documents[document["id"]] = document
        return 201, {root: document}

    def _state(self, seen: Seen, path: str, document_id: str) -> Answer:
        root, _kind, series = self.KINDS[path]
        document = self.documents.get(int(document_id))
        if document is None:
            return 404, {"errors": [{"error": "not found"}]}
        asked = ((seen.json or {}).get(root) or {}).get("state")
        if asked == "finalized" and document["status"] == "draft":
            self._numbers[series] += 1
            document["status"] = "final"
            document["inverted_sequence_number"] = f"{series} 2026/{self._numbers[series]}"
        return 200, {root: document}

    def _email(self, seen: Seen, path: str, document_id: str) -> Answer:
        email = (((seen.json or {}).get("message") or {}).get("client") or {}).get("email", "")
        self.emailed.append((int(document_id), email))
        return 200, None

    def _pdf(self, seen: Seen, document_id: str) -> Answer:
        if int(document_id) not in self.documents:
            return 404, {"errors": [{"error": "not found"}]}
        return 200, {"output": {"pdfUrl": f"https://invoicexpress.test/pdf/{document_id}.pdf"}}
