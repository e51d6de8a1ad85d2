"""Landing views per day and headline variant, for the back office's funnel: counts
only, nothing about the visitor.

A page view must not write to the database (a GET only reads), so views are counted in
Redis when the shop has one (RATELIMIT_STORAGE_URI, from REDIS_URL: shared by every
worker, kept across restarts, 400 days; each process sends its views once a second) and
otherwise in the process (`make run`'s single web worker; lost on restart). A Redis that
does not answer leaves the views counted in the process, never costs the page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from datetime import date, timedelta

import redis
from flask import current_app

from app.timeutil import to_lisbon, utcnow

log = logging.getLogger(__name__)

KEY_PREFIX = "cv:landing-views:"
KEEP_SECONDS = 400 * 24 * 3600
SEND_EVERY_SECONDS = 1.0
# Views kept in this process: without Redis (or when it did not answer), and with Redis
# those not sent yet.
_local: Counter[tuple[str, str]] = Counter()
_unsent: Counter[tuple[str, str]] = Counter()
_local_lock = threading.Lock()
_sending = threading.Lock()
_sent_at = [0.0]


def _redis() -> redis.Redis | None:
    url = str(current_app.config.get("RATELIMIT_STORAGE_URI") or "")
    if not url.startswith(("redis://", "rediss://")):
        return None
    client = current_app.extensions.get("landing_views_redis")
    if client is None:
        # A short timeout: a slow Redis must not slow the landing page.
        client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        current_app.extensions["landing_views_redis"] = client
    return client


def today() -> date:
    return to_lisbon(utcnow()).date()


def count_landing_view(variant: str) -> None:
    """One more view of the landing page today, under this headline variant.

    With Redis, views are added up in the process and sent at most once a second, by
    whichever request finds the second over: a launch brings a thousand views a second,
    and a Redis round trip on each would cost more than serving the page. A process
    that ends loses at most that second's views (counts only, never a lead or an order).
    """
    day = today().isoformat()
    client = _redis()
    if client is None:
        with _local_lock:
            _local[(day, variant)] += 1
        return
    with _local_lock:
        _unsent[(day, variant)] += 1
    if time.monotonic() - _sent_at[0] >= SEND_EVERY_SECONDS and _sending.acquire(blocking=False):
        try:
            _send(client)
        finally:
            _sending.release()


def _send(client: redis.Redis) -> None:
    """This process's views since the last send, added to Redis's counts."""
    _sent_at[0] = time.monotonic()
    with _local_lock:
        sending = Counter(_unsent)
        _unsent.clear()
    if not sending:
        return
    try:
        pipe = client.pipeline()
        for (day, variant), views in sending.items():
            pipe.hincrby(KEY_PREFIX + day, variant, views)
            pipe.expire(KEY_PREFIX + day, KEEP_SECONDS)
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("landing views: Redis did not answer (%s); counted in this process", exc)
        with _local_lock:
            _local.update(sending)


def landing_views(days: int) -> Counter[tuple[str, str]]:
    """(ISO day, variant) -> views, for the last `days` days up to today."""
    wanted = [(today() - timedelta(days=n)).isoformat() for n in range(days)]
    counts: Counter[tuple[str, str]] = Counter()
    with _local_lock:
        for (day, variant), value in (*_local.items(), *_unsent.items()):
            if day in wanted:
                counts[(day, variant)] += value
    client = _redis()
    if client is None:
        return counts
    try:
        pipe = client.pipeline()
        for day in wanted:
            pipe.hgetall(KEY_PREFIX + day)
        for day, stored in zip(wanted, pipe.execute(), strict=True):
            for variant, value in stored.items():
                counts[(day, variant.decode())] += int(value)
    except redis.RedisError as exc:
        log.warning("landing views: Redis did not answer (%s); showing this process's", exc)
    return counts
