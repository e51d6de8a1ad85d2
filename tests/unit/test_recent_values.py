"""Values read at most once every few seconds: one thread reads when a value is due,
the others meanwhile keep the answer of a moment ago."""

from __future__ import annotations

import threading
import time

import pytest

from app.web.recent import RecentValues


def test_a_value_is_read_once_while_it_is_recent() -> None:
    values, reads = RecentValues(), []
    for _ in range(5):
        assert values.get("seats", 60, lambda: reads.append(1) or len(reads)) == 1
    assert len(reads) == 1


def test_with_no_seconds_every_call_reads() -> None:
    values, reads = RecentValues(), []
    for _ in range(3):
        values.get("seats", 0, lambda: reads.append(1))
    assert len(reads) == 3


def test_while_one_thread_reads_a_due_value_the_others_keep_the_last_answer() -> None:
    values = RecentValues()
    values.get("seats", 0.05, lambda: "old")
    time.sleep(0.06)
    reading, release = threading.Event(), threading.Event()

    def slow_read() -> str:
        reading.set()
        release.wait(5)
        return "new"

    reader = threading.Thread(target=lambda: values.get("seats", 0.05, slow_read))
    reader.start()
    assert reading.wait(5)
    # The read is under way: another caller is not held up and does not read again.
    assert values.get("seats", 0.05, lambda: pytest.fail("read twice at once")) == "old"
    release.set()
    reader.join(5)
    assert values.get("seats", 60, lambda: "never") == "new"


def test_a_failed_read_leaves_the_turn_to_the_next_caller() -> None:
    values = RecentValues()
    values.get("seats", 0.01, lambda: "old")
    time.sleep(0.02)

    def broken() -> str:
        raise ConnectionError("database gone")

    with pytest.raises(ConnectionError):
        values.get("seats", 0.01, broken)
    assert values.get("seats", 0.01, lambda: "again") == "again"
