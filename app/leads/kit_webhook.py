"""Kit's webhook deliveries: checking they come from Kit, and reading the withdrawals.

Kit (API v4 webhook endpoints) signs each delivery: `X-Kit-Signature: t=<unix time>,
v1=<hex>`, the HMAC-SHA256 of "<t>.<raw body>" under the endpoint's secret, one `v1`
per valid secret while a secret is being rotated. A delivery carries an `events` array
(up to 100 of one type), each event with its UUID, type, time and subscriber.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Kit re-signs each retry when it sends it, so a fresh time is always expected; older
# signatures are replays.
SIGNATURE_TOLERANCE_SECONDS = 300

# The events that mean "write to this address no more", and the reason kept for each.
WITHDRAWALS = {
    "subscriber.unsubscribed": "kit:unsubscribed",
    "subscriber.bounced": "kit:bounced",
    "subscriber.complained": "kit:complained",
}


class NotFromKit(ValueError):
    """The delivery is not signed by Kit with our secret (or the secret is not set)."""


@dataclass(frozen=True)
class Withdrawal:
    event_id: str
    email: str
    reason: str
    at: datetime


def _signature_parts(header: str) -> tuple[int, list[str]]:
    stamp, signatures = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            stamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if stamp is None or not signatures:
        raise NotFromKit("no timestamp or no signature")
    return stamp, signatures


def verify_delivery(body: bytes, header: str | None, secret: str, now: float) -> None:
    """Raise NotFromKit unless Kit signed this exact body with `secret`, recently."""
    if not secret:
        # Without the secret nobody can be told apart from Kit: refuse everyone.
        raise NotFromKit("KIT_WEBHOOK_SECRET is not set")
    if not header:
        raise NotFromKit("no X-Kit-Signature header")
    stamp, signatures = _signature_parts(header)
    if abs(now - stamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise NotFromKit("the signature is too old")
    expected = hmac.new(
        secret.encode(), str(stamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise NotFromKit("the signature does not match")


def _when(value: Any, now: datetime) -> datetime:
    """The event's time as Kit gives it; ours if it is missing, unreadable or ahead of us
    (a withdrawal is never dated in the future)."""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return now
    if at.tzinfo is None:
        return now
    return min(at, now)


def withdrawals_in(body: bytes, now: datetime) -> list[Withdrawal]:
    """The withdrawals a verified delivery carries (other event types are skipped);
    ValueError if it is not Kit's envelope."""
    envelope = json.loads(body)
    events = envelope.get("events") if isinstance(envelope, dict) else None
    if not isinstance(events, list):
        raise ValueError("no events array")
    found = []
    for event in events:
        if not isinstance(event, dict) or event.get("type") not in WITHDRAWALS:
            continue
        data = event.get("data")
        subscriber = data.get("subscriber") if isinstance(data, dict) else None
        email = subscriber.get("email_address") if isinstance(subscriber, dict) else None
        if not isinstance(email, str) or "@" not in email:
            raise ValueError("an event without a subscriber's email")
        found.append(
            Withdrawal(
                event_id=str(event.get("id", ""))[:64],
                email=email,
                reason=WITHDRAWALS[event["type"]],
                at=_when(event.get("created"), now),
            )
        )
    return found
