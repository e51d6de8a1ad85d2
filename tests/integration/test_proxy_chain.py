"""TRUSTED_PROXY_HOPS must match the proxies in front of the shop; when requests say
otherwise, the log says so once (not at every request)."""

from __future__ import annotations

import logging

import pytest


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "app.web.security"]


@pytest.mark.parametrize(
    ("hops", "forwarded", "warned"),
    [
        (0, "203.0.113.9", "TRUSTED_PROXY_HOPS=0"),
        (2, "203.0.113.9", "TRUSTED_PROXY_HOPS=2 but a request came through 1"),
        (1, "", "TRUSTED_PROXY_HOPS=1 but a request came through 0"),
    ],
)
def test_a_chain_that_does_not_match_is_logged_once(make_app, db, caplog, hops, forwarded, warned):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with make_app(TRUSTED_PROXY_HOPS=hops) as shop, caplog.at_level(logging.WARNING):
        client = shop.test_client()
        for _ in range(3):
            assert client.get("/healthz", headers=headers).status_code == 200
    [message] = _warnings(caplog)
    assert warned in message


@pytest.mark.parametrize(("hops", "forwarded"), [(0, ""), (1, "203.0.113.9")])
def test_a_matching_chain_is_not_logged(make_app, db, caplog, hops, forwarded):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    with make_app(TRUSTED_PROXY_HOPS=hops) as shop, caplog.at_level(logging.WARNING):
        shop.test_client().get("/healthz", headers=headers)
    assert _warnings(caplog) == []
