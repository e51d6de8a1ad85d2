"""What was typed in a form whose file was too large.

Werkzeug refuses a body larger than the request's limit by its Content-Length, before
reading any of it (413), so the form is never parsed and a page answering the 413 has
nothing to show again. A browser sends a multipart form's fields in the page's order, and
a form with a file puts the file last: what was typed comes first, in the body's first
few kilobytes. Those alone are read here, never the file, so a refused body still costs
no more than a small form.
"""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import MultiDict
from werkzeug.sansio.multipart import Data, Field, MultipartDecoder, Preamble
from werkzeug.wsgi import LimitedStream

from app.web.bad_bytes import has_control


def _refused_unread() -> bool:
    """Whether this request is a multipart body refused by its length, and so unread."""
    length, most = request.content_length, request.max_content_length
    return (
        request.mimetype == "multipart/form-data"
        and bool(request.mimetype_params.get("boundary"))
        and length is not None
        and most is not None
        and length > most
    )


def _keep(fields: MultiDict[str, str], name: str, value: str) -> None:
    if not has_control(name) and not has_control(value, in_field=True):
        fields.add(name, value)


def fields_typed_before_the_file(limit: int) -> MultiDict[str, str]:
    """The text fields at the head of a refused multipart body (its first `limit` bytes),
    up to the first file; empty when the body was not refused unread. A field cut off by
    the limit, or holding a control character (refused everywhere, app/web/bad_bytes.py),
    is left out."""
    fields: MultiDict[str, str] = MultiDict()
    if not _refused_unread():
        return fields
    head = LimitedStream(request.environ["wsgi.input"], min(request.content_length or 0, limit))
    name, parts = "", []
    try:
        decoder = MultipartDecoder(request.mimetype_params["boundary"].encode("ascii"))
        decoder.receive_data(head.read())
        event = decoder.next_event()
        # The first file, or the end of what was read, ends it: the file is never read.
        while isinstance(event, Preamble | Field | Data):
            if isinstance(event, Field):
                name, parts = event.name, []
            elif isinstance(event, Data):
                parts.append(event.data)
                if not event.more_data:
                    _keep(fields, name, b"".join(parts).decode("utf-8", "replace"))
            event = decoder.next_event()
    except ValueError:
        pass  # a malformed head (or boundary): the fields read before it are kept
    return fields
