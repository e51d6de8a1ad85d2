"""The pool of kernel random bytes hands each byte out once, in every thread, and a
process that did not fill a pool (a forked worker) fills its own."""

from __future__ import annotations

import os
import re
import threading

from app.web import random_pool
from app.web.random_pool import random_bytes, random_token


def test_no_two_draws_are_alike_across_many_requests_and_threads() -> None:
    drawn: list[bytes] = []

    def draw() -> None:
        drawn.extend(random_bytes(20) for _ in range(500))  # several pool refills

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drawn) == 2000
    assert len(set(drawn)) == 2000
    assert all(len(value) == 20 for value in drawn)


def test_a_nonce_is_32_url_safe_characters() -> None:
    nonces = {random_token(24) for _ in range(200)}
    assert len(nonces) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", nonce) for nonce in nonces)


def test_a_pool_filled_by_another_process_is_not_used(monkeypatch) -> None:
    random_bytes(1)
    inherited = bytes(random_pool._pools.bytes[:16])
    parent = os.getpid()
    monkeypatch.setattr(random_pool.os, "getpid", lambda: parent + 1)
    assert random_bytes(16) != inherited


def test_a_draw_larger_than_the_pool_is_served_whole() -> None:
    assert len(random_bytes(random_pool._POOL_BYTES + 10)) == random_pool._POOL_BYTES + 10
