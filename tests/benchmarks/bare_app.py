"""The floor the shop is measured against: a bare Flask app that answers each path with
the very bytes (and content headers) the shop sent for it, captured just before.

Started by gunicorn with the shop's own gunicorn.conf.py (`wsgi` below), so the only
difference is what the shop does per request."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request

CAPTURED = Path(os.environ["BARE_CAPTURED"])
# {path: {"identity": [headers, body hex], "gzip": [...], "br": [...]}}
PAGES = json.loads(CAPTURED.read_text())

app = Flask(__name__)


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def page(path: str) -> Response:
    full = request.full_path.rstrip("?")
    variants = PAGES.get(full) or PAGES.get("/" + path)
    if variants is None:
        return Response("not captured", status=404)
    accepted = request.headers.get("Accept-Encoding", "")
    kind = (
        "br"
        if "br" in accepted and "br" in variants
        else "gzip"
        if "gzip" in accepted and "gzip" in variants
        else "identity"
    )
    headers, body = variants[kind]
    return Response(bytes.fromhex(body), headers=headers)


wsgi = app
