"""Request ids and production's JSON log lines.

Every answer carries `X-Request-ID` (the platform's, when it sent a sane one); each log
line of the request carries it too, and so does every outbox message the request queued.
"""

from __future__ import annotations

import json
import logging

import pytest

from app.web.logs import configure_logging
from tests.integration.helpers import lead_data, messages


def test_every_answer_carries_a_request_id(client):
    made = client.get("/").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/").headers["X-Request-ID"] != made
    # A 404, the health check and a static file (served before Flask) answer with one too.
    for path in ("/no-such-page", "/healthz", "/static/img/favicon.svg"):
        answer = client.get(path)
        assert answer.headers["X-Request-ID"], path
    assert client.get("/static/img/favicon.svg").status_code == 200


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("heroku-1f2e3d4c-aaaa-bbbb", True),
        ("req:42.7_x", True),
        ("two words", False),
        ("x" * 101, False),
        ("<script>", False),
    ],
)
def test_the_platforms_request_id_is_kept_when_sane(client, sent, kept):
    answered = client.get("/", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    assert (answered == sent) is kept


def test_the_messages_a_request_queues_carry_its_id(client, db):
    answer = client.post("/leads", data=lead_data(), headers={"X-Request-ID": "lead-req-1"})
    assert answer.headers["X-Request-ID"] == "lead-req-1"
    [confirmation] = messages("email")
    assert confirmation.request_id == "lead-req-1"


def test_production_logs_one_json_line_per_request_with_personal_data_masked(make_app, db, capsys):
    # Set up here, not in a fixture: the handler writes to the stdout of this phase.
    configure_logging("json")
    try:
        with make_app(LOG_FORMAT="json") as shop:
            client = shop.test_client()
            client.get("/leads?from=ana.reis@example.pt", headers={"X-Request-ID": "json-1"})
        logging.getLogger("app.test").warning("could not reach ana.reis@example.pt")
        out = capsys.readouterr().out
    finally:
        configure_logging("text")
    lines = [json.loads(line) for line in out.splitlines() if line]
    [served] = [line for line in lines if line["logger"] == "app.requests"]
    assert served["request_id"] == "json-1"
    assert served["method"] == "GET" and served["path"] == "/leads" and served["status"] == 200
    assert served["duration_ms"] >= 0
    assert {"time", "level", "message"} <= served.keys()
    [warned] = [line for line in lines if line["logger"] == "app.test"]
    assert "ana.reis@example.pt" not in warned["message"]
    assert warned["level"] == "WARNING" and warned["request_id"] is None
