"""A ticket's code drawn as a QR: SVG for pages, PNG for emails.

Always a full QR (never a Micro QR, which segno would pick for a code this short and which
phone cameras and browsers' barcode detectors do not read), at error-correction level M
(a crumpled printout or a cracked screen still scans). The SVG carries no style attribute:
the shop's Content-Security-Policy allows no inline styles, so size and colour come from
the stylesheet and the path's own presentation attributes.
"""

from __future__ import annotations

import io

import segno
from markupsafe import Markup

# Four modules of quiet zone all round: what the QR standard asks for a reliable scan.
QUIET_ZONE = 4
# Pixels per module in the email's PNG: a version-2 code is about 260 px, sharp on a phone
# and on paper, and a few kilobytes.
PNG_SCALE = 8


def _qr(code: str) -> segno.QRCode:
    return segno.make_qr(code, error="m", boost_error=False)


def qr_matrix(code: str) -> tuple[tuple[int, ...], ...]:
    """The dark (1) and light (0) modules of the code's QR, without the quiet zone."""
    return tuple(tuple(row) for row in _qr(code).matrix)


def qr_svg(code: str, title: str) -> Markup:
    """The QR as an inline <svg> scaled by its viewBox (CSS sets its size); `title` is what
    a screen reader says for it."""
    svg = _qr(code).svg_inline(
        scale=1,
        border=QUIET_ZONE,
        omitsize=True,
        svgclass="ticket-qr",
        lineclass=None,
        title=title,
        dark="#000",
        light="#fff",
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - segno's own markup, the title escaped by it


def qr_png(code: str) -> bytes:
    """The QR as PNG bytes, black on white, for an email attachment."""
    buffer = io.BytesIO()
    _qr(code).save(buffer, kind="png", scale=PNG_SCALE, border=QUIET_ZONE)
    return buffer.getvalue()
