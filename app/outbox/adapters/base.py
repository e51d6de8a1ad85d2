"""What an adapter is, how it fails, and the HTTP call every web API adapter makes."""

from __future__ import annotations

import email.utils
import time
from datetime import UTC, datetime
from typing import Any, Protocol

import requests

from app.outbox.models import OutboxMessage
from app.privacy.redaction import mask_personal_data


class DeliveryFailed(Exception):
    """The message did not get through.

    `permanent` means trying again cannot help (a 4xx other than 408/429: bad data,
    no such list); otherwise the worker retries, no sooner than `retry_after` seconds.
    The reason is kept on the message and logged: receivers echo what they were sent
    (an address, a phone), so it is masked here, once for every adapter.
    """

    def __init__(self, reason: str, *, permanent: bool = False, retry_after: float | None = None):
        reason = mask_personal_data(reason)
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class NothingToSend(Exception):
    """What the message was about no longer exists (erased, say): it is done with."""


class Adapter(Protocol):
    channel: str

    @property
    def enabled(self) -> bool:
        """False when the integration has no credentials: its messages are skipped."""
        ...

    def deliver(self, message: OutboxMessage) -> None:
        """Deliver once; raise DeliveryFailed (or NothingToSend) when it did not happen."""
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
