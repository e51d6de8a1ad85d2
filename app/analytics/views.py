"""Landing views per day and headline variant, for the back office's funnel: counts
only, nothing about the visitor.

A page view must not write to the database (a GET only reads), so views are counted in
Redis when the shop has one (RATELIMIT_STORAGE_URI, from REDIS_URL: shared by every
worker, kept across restarts, 400 days) and otherwise in the process (`make run`'s
single web worker; lost on restart). A Redis that does not answer loses the count, never
the page.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import date, timedelta

import redis
from flask import current_app

from app.timeutil import to_lisbon, utcnow

log = logging.getLogger(__name__)

KEY_PREFIX = "cv:landing-views:"
KEEP_SECONDS = 400 * 24 * 3600
_local: Counter[tuple[str, str]] = Counter()
_local_lock = threading.Lock()


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
    """One more view of the landing page today, under this headline variant."""
    day = today().isoformat()
    client = _redis()
    if client is not None:
        try:
            key = KEY_PREFIX + day
            pipe = client.pipeline()
            pipe.hincrby(key, variant, 1)
            pipe.expire(key, KEEP_SECONDS)
            pipe.execute()
            return
        except redis.RedisError as exc:
            log.warning("landing views: Redis did not answer (%s); counted in this process", exc)
    with _local_lock:
        _local[(day, variant)] += 1


def landing_views(days: int) -> Counter[tuple[str, str]]:
    """(ISO day, variant) -> views, for the last `days` days up to today."""
    wanted = [(today() - timedelta(days=n)).isoformat() for n in range(days)]
    counts: Counter[tuple[str, str]] = Counter()
    with _local_lock:
        for (day, variant), value in _local.items():
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
