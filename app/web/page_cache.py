"""Pages rendered once and served many times: the landing page and the checkout's first view.

Most of such a page is the same for every visitor who shares its key (language, headline,
consent state, the catalog's version, the seats left). Rendering it costs milliseconds of
templates, translations and form widgets; sending a kept copy costs microseconds. What
differs per visitor is carried in slots: the CSP nonce and the CSRF token (never shared,
or they would protect nothing) and what the route adds (the checkout's key, the consent
form's way back). A page is rendered with a marker in each slot, cut at the markers and
kept; each request joins the pieces with its own values.

The gzip body is joined the same way, without compressing per request: the kept pieces
are deflated once, each ending byte-aligned, and a slot's value goes between them as a
stored block. Browsers read it as any gzip stream (RFC 1951 allows mixing block types);
only the CRC is computed per request.

The pieces are deflated as one stream, so a piece may refer back to text of the pieces
before it (the inline CSS, the head): compressed piece by piece on their own, the
landing page came to 13 KB instead of 10, one round trip more for a phone on a slow
network (Lighthouse's simulated LCP went from 760 to 910 ms when it crossed 14.6 KB,
the first window TCP sends). What the decompressing browser holds at a slot is the
value sent there, while the compressor saw a filler of the same length instead: NUL
bytes, which no page text contains, so no later text can match (and refer back to) that
stretch. A slot whose values vary in length (the address visited) starts the stream
afresh after it; a page whose values are not the lengths it was cut with, or whose
text holds a NUL, is sent from pieces deflated one by one, as before.
"""

from __future__ import annotations

import functools
import re
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from flask import Response, current_app, g, request
from markupsafe import escape
from werkzeug.http import parse_accept_header

from app.web.sessions import csrf_token

# Slot markers: letters and digits only, so escaping (HTML, JSON) leaves them as they are.
NONCE_SLOT = "nonce"
CSRF_SLOT = "csrf"
# The address visited, query string and all (the cookie banner's way back after a choice).
BACK_SLOT = "back"
_MARK = "cvslot7f3a"
_MARKER = re.compile(_MARK + r"([a-z_]+)" + _MARK)
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
# Kept content headers: a kept page is text/html; the rest is the route's to set.
_PLAIN_HEADERS = (
    ("Content-Type", "text/html; charset=utf-8"),
    ("Vary", "Accept-Encoding, HX-Request"),
)
_GZIP_HEADERS = (*_PLAIN_HEADERS, ("Content-Encoding", "gzip"))


def slot(name: str) -> str:
    """The marker a template renders where the slot's value goes (`[a-z_]+` names)."""
    return f"{_MARK}{name}{_MARK}"


# Slots whose values differ in length from one request to the next.
_VARYING = frozenset({BACK_SLOT})
_FILLER = b"\x00"


def _packer() -> zlib._Compress:
    return zlib.compressobj(9, zlib.DEFLATED, -15, 9)


def _deflate(text: str, *, last: bool) -> bytes:
    """Raw deflate of `text`, ending byte-aligned (full flush) or as the final block."""
    packer = _packer()
    data = packer.compress(text.encode())
    return data + packer.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)


def _deflate_linked(
    pieces: tuple[bytes, ...], slots: tuple[str, ...], lengths: Mapping[str, int]
) -> tuple[bytes, ...]:
    """The pieces deflated as one stream, each ending byte-aligned (sync flush); the
    filler a slot's value replaces is compressed and its output dropped."""
    deflated = []
    packer = _packer()
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        data = packer.compress(piece)
        deflated.append(data + packer.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))
        if last:
            break
        slot = slots[index]
        if slot in _VARYING:
            packer = _packer()
        else:
            packer.compress(_FILLER * lengths[slot])
            packer.flush(zlib.Z_SYNC_FLUSH)
    return tuple(deflated)


def _stored(data: bytes) -> bytes:
    """`data` as stored (uncompressed), non-final deflate blocks of at most 65,535 bytes."""
    blocks = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start : start + 0xFFFF]
        blocks.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)


# zlib lets go of the interpreter lock for a CRC over more than 5 KiB; a worker's other
# threads then take it, and this one waits to get it back for longer than the CRC took.
# Below that size it keeps the lock, so a piece is summed in 4 KiB steps.
_CRC_STEP = 4096


def _crc32(data: bytes, crc: int = 0) -> int:
    if len(data) <= _CRC_STEP:
        return zlib.crc32(data, crc)
    view = memoryview(data)
    for start in range(0, len(view), _CRC_STEP):
        crc = zlib.crc32(view[start : start + _CRC_STEP], crc)
    return crc


@dataclass(frozen=True)
class KeptPage:
    """A rendered page cut at its slots: pieces[0] slot[0] pieces[1] ... pieces[-1]."""

    pieces: tuple[bytes, ...]  # UTF-8, encoded once
    slots: tuple[str, ...]
    deflated: tuple[bytes, ...]  # each piece on its own
    # One stream for values of these lengths (in bytes, per slot); none if the text
    # holds a NUL.
    linked: tuple[bytes, ...] | None = None
    lengths: Mapping[str, int] | None = None

    @classmethod
    def cut(cls, body: str, values: Mapping[str, str] | None = None) -> KeptPage:
        """Cut `body` at its markers; `values` (this request's) give the lengths the
        linked stream is built for."""
        parts = _MARKER.split(body)
        texts, slots = tuple(parts[0::2]), tuple(parts[1::2])
        pieces = tuple(text.encode() for text in texts)
        deflated = tuple(
            _deflate(text, last=index == len(texts) - 1) for index, text in enumerate(texts)
        )
        if values is None or "\x00" in body:
            return cls(pieces=pieces, slots=slots, deflated=deflated)
        lengths = {name: len(values[name].encode()) for name in set(slots)}
        return cls(
            pieces=pieces,
            slots=slots,
            deflated=deflated,
            linked=_deflate_linked(pieces, slots, lengths),
            lengths=lengths,
        )

    def text(self, values: Mapping[str, str]) -> bytes:
        joined = [self.pieces[0]]
        for name, piece in zip(self.slots, self.pieces[1:], strict=True):
            joined += (values[name].encode(), piece)
        return b"".join(joined)

    def gzip(self, values: Mapping[str, str]) -> bytes:
        # The CRC and length run over the pieces as they are: the page is never joined
        # as text (30 KB copied and encoded on every request) to be compressed.
        encoded = {name: values[name].encode() for name in set(self.slots)}
        deflated_pieces = self.deflated
        if self.linked is not None and all(
            len(encoded[name]) == size
            for name, size in self.lengths.items()
            if name not in _VARYING
        ):
            deflated_pieces = self.linked
        crc, length = _crc32(self.pieces[0]), len(self.pieces[0])
        stream = [_GZIP_HEADER, deflated_pieces[0]]
        for name, piece, deflated in zip(
            self.slots, self.pieces[1:], deflated_pieces[1:], strict=True
        ):
            value = encoded[name]
            crc = _crc32(piece, zlib.crc32(value, crc))
            length += len(value) + len(piece)
            stream += (_stored(value), deflated)
        stream.append(struct.pack("<II", crc, length & 0xFFFFFFFF))
        return b"".join(stream)


class PageCache:
    """A few hundred kept pages per process, the oldest kept dropped first.

    Served without a lock (one dict lookup is atomic in CPython): a lock taken by every
    request is where a worker's threads queue behind one another. Only keeping a page
    (a few times a second at most) takes it."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[Hashable, KeptPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> KeptPage | None:
        return self._pages.get(key)

    def put(self, key: Hashable, page: KeptPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def _render_with_markers(render: Callable[[], Response]) -> Response:
    """Render with the slots' markers where the nonce and the CSRF token would go."""
    nonce = getattr(request, "csp_nonce", None)
    request.csp_nonce = slot(NONCE_SLOT)
    g.csrf_token = slot(CSRF_SLOT)
    try:
        return render()
    finally:
        request.csp_nonce = nonce
        g.pop("csrf_token", None)


@functools.lru_cache(maxsize=64)
def _gzip_accepted(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding value takes gzip; browsers send a handful of values, so
    each is parsed once (q-values included) instead of on every request."""
    return parse_accept_header(accept_encoding)["gzip"] > 0


def _accepts_gzip() -> bool:
    return _gzip_accepted(request.environ.get("HTTP_ACCEPT_ENCODING", ""))


def serve_kept(
    cache: PageCache,
    key: Hashable,
    render: Callable[[], Response],
    values: Mapping[str, str] | None = None,
) -> Response:
    """The page kept under `key` (rendered by `render` the first time), with this request's
    nonce, CSRF token, address (BACK_SLOT) and `values` in its slots. A render that is not
    a plain 200 page is answered as it is and not kept."""
    # Forms render a CSRF field only while CSRF is on (tests switch it off).
    key = (key, current_app.config.get("WTF_CSRF_ENABLED", True))
    filled = {
        **(values or {}),
        NONCE_SLOT: request.csp_nonce,
        CSRF_SLOT: csrf_token(),
        BACK_SLOT: str(escape(request.full_path.rstrip("?"))),
    }
    page = cache.get(key)
    if page is None:
        rendered = _render_with_markers(render)
        if rendered.status_code != 200 or rendered.mimetype != "text/html":
            return rendered
        page = KeptPage.cut(rendered.get_data(as_text=True), filled)
        cache.put(key, page)
    # Headers given whole: a Response assembled header by header re-parses Vary each time.
    if _accepts_gzip():
        return Response(page.gzip(filled), headers=_GZIP_HEADERS)
    return Response(page.text(filled), headers=_PLAIN_HEADERS)


def kept_pages(name: str) -> PageCache:
    """This app's cache of kept pages called `name` (each app of a process has its own)."""
    caches: dict[str, PageCache] = current_app.extensions.setdefault("kept_pages", {})
    return caches.setdefault(name, PageCache())
