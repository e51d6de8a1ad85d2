"""Unpredictable bytes for every answer (the CSP nonce, a new visitor's CSRF value),
drawn from the operating system a few kilobytes at a time.

`os.urandom` is one system call per use, and CPython lets go of the interpreter lock
around it: with a worker's threads taking turns, each request then waits to get the
lock back twice. A thread's pool of 4 KiB from `os.urandom` serves about fifty requests
per call. The bytes are the kernel's, each handed out once; a pool never crosses a fork
(gunicorn forks its workers): a process that is not the one that filled it refills it.
"""

from __future__ import annotations

import base64
import os
import threading

_POOL_BYTES = 4096
_pools = threading.local()


def random_bytes(count: int) -> bytes:
    """`count` bytes from the kernel's random source, never handed out twice."""
    pool: bytearray | None = getattr(_pools, "bytes", None)
    if pool is None or _pools.pid != os.getpid() or len(pool) < count:
        pool = bytearray(os.urandom(max(_POOL_BYTES, count)))
        _pools.pid = os.getpid()
    taken = bytes(pool[:count])
    del pool[:count]
    _pools.bytes = pool
    return taken


def random_token(count: int) -> str:
    """`count` random bytes as URL-safe base64 text (a nonce: letters, digits, - and _)."""
    return base64.urlsafe_b64encode(random_bytes(count)).decode().rstrip("=")
