"""Values read at most once every few seconds per process, per app.

A page served a thousand times a second need not ask the database a thousand times what
the catalog's version is or how many seats are left: one answer a second is as true to
the buyer (the checkout counts seats again under a lock before taking one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
_EXTENSION_KEY = "recent_values"


class RecentValues:
    """Each value with the time it was read. When it is due again, one thread of the
    process reads it while the others go on with the answer of a moment ago: without
    that, every thread that arrives in that moment reads too (a worker's four threads
    asking the database the same thing, each handing the interpreter lock around)."""

    def __init__(self) -> None:
        # Read and written without a lock: one dict lookup or assignment is atomic in
        # CPython, and a lock on this path, taken by every request, became the place the
        # worker's threads queued (two thirds of their time, measured under load).
        self._values: dict[str, tuple[float, Any]] = {}
        self._reading: dict[str, threading.Lock] = {}
        self._new_name = threading.Lock()

    def get(self, name: str, seconds: float, read: Callable[[], T]) -> T:
        now = time.monotonic()
        kept = self._values.get(name)
        if kept is not None and now - kept[0] < seconds:
            return kept[1]
        reading = self._reading.get(name)
        if reading is None:
            with self._new_name:
                reading = self._reading.setdefault(name, threading.Lock())
        # With seconds at 0 (tests) every call reads; a first read has nothing to offer.
        took_turn = kept is not None and seconds > 0
        if took_turn and not reading.acquire(blocking=False):
            return kept[1]
        try:
            value = read()
        finally:
            if took_turn:
                reading.release()
        self._values[name] = (now, value)
        return value


def recent(name: str, read: Callable[[], T]) -> T:
    """`read()`, or its answer from less than PAGE_STATE_SECONDS ago in this process."""
    values = current_app.extensions.setdefault(_EXTENSION_KEY, RecentValues())
    return values.get(name, float(current_app.config.get("PAGE_STATE_SECONDS", 1.0)), read)
