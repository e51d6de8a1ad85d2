"""Fixtures shared by integration tests that talk to outside services."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer


@pytest.fixture(scope="module")
def outside_server() -> Iterator[HTTPServer]:
    # Threaded, so a request the test holds back does not stall the next attempt.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()
