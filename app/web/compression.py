"""Compressed answers: Flask-Compress, asked only about answers with a body it could
compress.

Flask-Compress looks at every answer after the view. An answer with no body (the order
page's poll answers 204 No Content every two seconds per waiting buyer) has no length
set, so it passed the size check: the empty body was compressed, given an ETag and
checked against the request's conditions, and the 204 went out with a meaningless
`Content-Encoding` (measured: 84 of the poll's 580 µs in-process). A kept page arrives
compressed already (app/web/page_cache.py). Both now skip it; every other answer is
Flask-Compress's to decide, as before.
"""

from __future__ import annotations

from flask import Flask, Response

from app.extensions import compress

# Answers that never carry a body (RFC 9110: 204 No Content, 304 Not Modified).
_BODILESS = frozenset({204, 304})


def init_compression(app: Flask) -> None:
    # An answer that fits in one TCP segment (about 1,460 bytes) arrives in the same
    # round trip compressed or not; compressing it costs CPU on every call.
    app.config.setdefault("COMPRESS_MIN_SIZE", 1400)
    # Flask-Compress's own hook is replaced by the one below, which calls it.
    app.config["COMPRESS_REGISTER"] = False
    compress.init_app(app)

    @app.after_request
    def compressed(response: Response) -> Response:
        if response.status_code in _BODILESS or "Content-Encoding" in response.headers:
            return response
        return compress.after_request(response)
