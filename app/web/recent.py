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
    def __init__(self) -> None:
        self._values: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, seconds: float, read: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            kept = self._values.get(name)
        if kept is not None and now - kept[0] < seconds:
            return kept[1]
        value = read()
        with self._lock:
            self._values[name] = (now, value)
        return value


def recent(name: str, read: Callable[[], T]) -> T:
    """`read()`, or its answer from less than PAGE_STATE_SECONDS ago in this process."""
    values = current_app.extensions.setdefault(_EXTENSION_KEY, RecentValues())
    return values.get(name, float(current_app.config.get("PAGE_STATE_SECONDS", 1.0)), read)
