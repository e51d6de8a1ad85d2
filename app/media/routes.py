"""/media/<name>: the image files, cached for a year by browsers and CDNs alike (a name is
its content's hash, so it never changes)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, send_file

from app.media.storage import find_file
from app.web.limits import unlimited

bp = Blueprint("media", __name__)
YEAR = 365 * 24 * 3600


@bp.get("/media/<name>")
# Like /static/ (WhiteNoise, outside Flask): a page asks for several at once, each a file
# read with no database behind it.
@unlimited
def file(name: str) -> Response:
    found = find_file(name)
    if found is None:
        abort(404)
    path, content_type = found
    response = send_file(path, mimetype=content_type, max_age=YEAR, conditional=True, etag=True)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
