"""Control characters never get past the door.

A NUL or another control character in a URL, a query string or a form field is no
person's typing: it is refused with a localized 400 before any view (or the database)
sees it. PostgreSQL cannot even store a NUL, so letting one through meant a 500.
Tabs and line breaks stay allowed in form fields, where a paste may bring them.
"""

from __future__ import annotations

import re

from flask import Flask, abort, request

# C0 controls (NUL...US), DEL and the C1 controls.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_FIELDS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control(text: str, *, in_field: bool = False) -> bool:
    """Whether `text` holds a control character (tabs and line breaks allowed in fields)."""
    return bool((CONTROL_IN_FIELDS if in_field else CONTROL).search(text))


def init_bad_bytes(app: Flask) -> None:
    """Refuse requests carrying control characters in the path, the query or a form."""

    @app.before_request
    def refuse_control_characters() -> None:
        if has_control(request.path):
            abort(400)
        for key, value in request.args.items(multi=True):
            if has_control(key) or has_control(value):
                abort(400)
        # A request without a body (every page view) has no form to look at.
        if request.environ.get("CONTENT_TYPE") and request.mimetype in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            for key, value in request.form.items(multi=True):
                if has_control(key) or has_control(value, in_field=True):
                    abort(400)
