"""Landing views counted in Redis are sent once a second per process, never twice, and
stay counted in the process when Redis does not answer."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import redis

from app.analytics import views
from app.analytics.views import KEY_PREFIX, landing_views, today


@pytest.fixture
def fresh_counts(redis_url: str) -> Iterator[redis.Redis]:
    """Today's views in the test Redis and in this process start from nothing."""
    client = redis.Redis.from_url(redis_url)
    key = KEY_PREFIX + today().isoformat()
    client.delete(key)
    views._local.clear()
    views._unsent.clear()
    views._sent_at[0] = 0.0
    yield client
    client.delete(key)
    views._local.clear()
    views._unsent.clear()


def _in_redis(client: redis.Redis) -> int:
    stored = client.hgetall(KEY_PREFIX + today().isoformat())
    return sum(int(value) for value in stored.values())


def test_views_reach_redis_once_a_second_and_are_counted_once(
    make_app, db, redis_url, fresh_counts
):
    with make_app(RATELIMIT_STORAGE_URI=redis_url) as shop:
        visitor = shop.test_client()
        for _ in range(3):
            assert visitor.get("/").status_code == 200
        # The first view was sent at once; the next two wait for the second to pass.
        assert _in_redis(fresh_counts) == 1
        with shop.app_context():
            assert sum(landing_views(1).values()) == 3
        time.sleep(views.SEND_EVERY_SECONDS + 0.1)
        assert visitor.get("/").status_code == 200
        assert _in_redis(fresh_counts) == 4
        with shop.app_context():
            assert sum(landing_views(1).values()) == 4


def test_a_redis_that_does_not_answer_leaves_the_views_in_the_process(make_app, db, fresh_counts):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = unused.getsockname()[1]
    with make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed}/0") as shop:
        visitor = shop.test_client()
        for _ in range(2):
            assert visitor.get("/").status_code == 200
        with shop.app_context():
            assert sum(landing_views(1).values()) == 2
