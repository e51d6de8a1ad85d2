"""What an adapter is, and the HTTP call every web API adapter makes."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime
from typing import Any, Protocol

import requests

from app.outbox.errors import DeliveryFailed
from app.outbox.models import OutboxMessage


class Adapter(Protocol):
    channel: str

    @property
    def enabled(self) -> bool:
        """False when the integration has no credentials: its messages are skipped."""
        ...

    def deliver(self, message: OutboxMessage, letter: Any) -> None:
        """Deliver what a feature composed for `message` once; raise DeliveryFailed when it
        did not happen (the message lends its idempotency key)."""
        ...


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def send_json(
    method: str,
    url: str,
    *,
    message: OutboxMessage,
    timeout: float,
    json: Any = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> requests.Response:
    """One HTTP call with the message's idempotency key; sorts failures into retry or not."""
    sent_headers = {"Idempotency-Key": message.idempotency_key, **(headers or {})}
    started = time.monotonic()
    try:
        response = requests.request(
            method, url, json=json, headers=sent_headers, params=params, timeout=timeout
        )
    except requests.Timeout as exc:
        raise DeliveryFailed(f"no answer in {time.monotonic() - started:.1f} s") from exc
    except requests.RequestException as exc:
        raise DeliveryFailed(f"connection failed: {type(exc).__name__}") from exc
    status = response.status_code
    if status < 300:
        return response
    # What the receiver says (masked by DeliveryFailed) helps whoever reads `outbox status`.
    reason = f"HTTP {status}: {response.text[:200]}"
    retry_after = _retry_after(response.headers.get("Retry-After"))
    # 401/403: a credential someone can fix (revoked, mistyped) should not kill every
    # queued message at once; they are retried, with backoff, until the tries run out.
    if status in (401, 403, 408, 409, 423, 425, 429) or status >= 500:
        raise DeliveryFailed(reason, retry_after=retry_after)
    raise DeliveryFailed(reason, permanent=True)
