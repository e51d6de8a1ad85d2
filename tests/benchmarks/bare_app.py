"""The floor the shop is measured against: a bare Flask app that answers each path with
the very bytes (and content headers) the shop sent for it, captured just before.

Started by gunicorn with the shop's own gunicorn.conf.py (`wsgi` below), so the only
difference is what the shop does per request."""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request, session
from flask_wtf.csrf import generate_csrf

CAPTURED = Path(os.environ["BARE_CAPTURED"])
# {path: {"identity": [headers, body hex, status], "gzip": [...], "br": [...]}}
PAGES = json.loads(CAPTURED.read_text())

app = Flask(__name__)
# The second floor: the same bytes, plus what any page with a form costs a new visitor
# in Flask (a CSRF token made and kept in a freshly signed session cookie), as the
# shop's kept pages do. Its ratio to the bare route is the best a form page can reach.
with_visitor = Flask(__name__ + ".with_visitor")
with_visitor.secret_key = os.environ.get("SECRET_KEY") or "bench-" + "k" * 32


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
    headers, body, status = variants[kind]
    return Response(bytes.fromhex(body), status=status, headers=headers)


@with_visitor.route("/", defaults={"path": ""})
@with_visitor.route("/<path:path>")
def page_with_visitor(path: str) -> Response:
    generate_csrf()
    session.modified = True
    return page(path)


wsgi = app
wsgi_with_visitor = with_visitor
