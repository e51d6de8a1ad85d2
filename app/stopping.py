"""Long-running commands stop cleanly and keep going through faults: SIGTERM (a deploy,
`make run` ending) and Ctrl+C set an event the loop checks, so the work in hand is
finished first; a fault (the database locked or away) makes the loop wait and try again."""

from __future__ import annotations

import logging
import random
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError


@contextmanager
def until_signalled() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT while the block runs; the old handlers come back after."""
    stop = threading.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in signals}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Backoff:
    """How long a long-running loop waits after a fault before trying again: 1 s, then
    twice as long each time (±25 %), at most a minute; back to 1 s after a success."""

    def __init__(self, first: float = 1.0, most: float = 60.0) -> None:
        self.first, self.most, self.failures = first, most, 0

    def next_wait(self) -> float:
        self.failures += 1
        wait = min(self.most, self.first * 2 ** (self.failures - 1))
        return wait * random.uniform(0.75, 1.25)  # noqa: S311 (spreading retries, not secrets)

    def reset(self) -> None:
        self.failures = 0


def note_fault(log: logging.Logger, what: str, error: BaseException, wait: float) -> None:
    """Log a fault the loop will wait out: a database locked or away (expected now and then)
    is one warning line; anything else is an error with its traceback."""
    if isinstance(error, OperationalError):
        cause = type(error.orig).__name__ if error.orig is not None else "OperationalError"
        log.warning("%s: database error; trying again in %.0f s (%s)", what, wait, cause)
    else:
        log.error("%s: error; trying again in %.0f s", what, wait, exc_info=error)
