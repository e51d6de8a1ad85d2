"""gunicorn.conf.py's access line: the same text as gunicorn's own logger writes."""

from __future__ import annotations

import datetime
import runpy
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms

from app.paths import PROJECT_ROOT


@pytest.fixture
def settings(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    return runpy.run_path(str(PROJECT_ROOT / "gunicorn.conf.py"))


def _config(access_log_format: str) -> Config:
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", access_log_format)
    return config


def _line(logger: Logger, access_log_format: str) -> str:
    answer = SimpleNamespace(status="204 NO CONTENT", sent=0, headers=[("X-Request-ID", "abc")])
    asked = SimpleNamespace(headers=[("HX-REQUEST", "true"), ("USER-AGENT", "phone")])
    environ = {
        "REMOTE_ADDR": "10.0.0.7",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/order/tok",
        "QUERY_STRING": "seen=x",
        "RAW_URI": "/order/tok?seen=x",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "phone",
    }
    took = datetime.timedelta(seconds=1, microseconds=2345)
    return access_log_format % SafeAtoms(logger.atoms(answer, asked, environ, took))


def test_the_shops_line_is_gunicorns_line(settings):
    shop_format = settings["access_log_format"]
    ours = settings["AccessLine"](_config(shop_format))
    theirs = Logger(_config(shop_format))
    assert _line(ours, shop_format) == _line(theirs, shop_format)
    assert _line(ours, shop_format) == '10.0.0.7 "GET /order/tok" 204 0 1002345us'


def test_another_format_gets_every_field(settings):
    combined = '%(h)s %(r)s %(s)s "%(a)s" %({hx-request}i)s'
    ours = settings["AccessLine"](_config(combined))
    assert _line(ours, combined) == '10.0.0.7 GET /order/tok?seen=x HTTP/1.1 204 "phone" true'
