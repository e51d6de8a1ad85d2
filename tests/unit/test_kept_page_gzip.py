"""A kept page's gzip body, deflated once as one stream with each request's values put
in between as they are: it must read back as exactly the page with those values, for
any values, and be smaller than pieces deflated one by one."""

from __future__ import annotations

import gzip
import secrets

from app.web.page_cache import BACK_SLOT, CSRF_SLOT, NONCE_SLOT, KeptPage, slot

CSS = "".join(
    f".c{n} {{ margin: {n}px; padding: {n % 7}px; color: #{n:06x}; }}\n" for n in range(300)
)
# As the landing page is: text after a nonce repeats text before it (the head's inline
# CSS and scripts, then the content using its classes).
PARAGRAPHS = "".join(f'<p class="c{n}">Paragraph {n}, margin {n}px.</p>' for n in range(200))
BODY = (
    f'<!doctype html><html><head><style nonce="{slot(NONCE_SLOT)}">{CSS}</style>'
    f'<script nonce="{slot(NONCE_SLOT)}">var x = 1;</script></head><body>{PARAGRAPHS}'
    f'<form><input name="csrf_token" value="{slot(CSRF_SLOT)}">'
    f"{PARAGRAPHS.replace('Paragraph', 'Section')}"
    f'<input name="next" value="{slot(BACK_SLOT)}"></form>'
    f'<script nonce="{slot(NONCE_SLOT)}">var y = 2;</script></body></html>'
)


def _values(back: str = "/") -> dict[str, str]:
    return {
        NONCE_SLOT: secrets.token_urlsafe(24),
        CSRF_SLOT: secrets.token_urlsafe(60),
        BACK_SLOT: back,
    }


def _page_with(values: dict[str, str]) -> bytes:
    text = BODY
    for name, value in values.items():
        text = text.replace(slot(name), value)
    return text.encode()


def test_each_request_reads_back_its_own_page_from_one_stream():
    page = KeptPage.cut(BODY, _values())
    assert page.linked is not None
    for back in ("/", "/?utm_source=newsletter&amp;utm_campaign=launch", "/en/"):
        values = _values(back)
        assert gzip.decompress(page.gzip(values)) == _page_with(values)


def test_one_stream_is_smaller_than_pieces_on_their_own():
    values = _values()
    linked = KeptPage.cut(BODY, values)
    alone = KeptPage.cut(BODY)
    assert linked.linked is not None and alone.linked is None
    assert gzip.decompress(alone.gzip(values)) == _page_with(values)
    # The CSS and the paragraphs repeat what came before the slots between them.
    assert len(linked.gzip(values)) < 0.9 * len(alone.gzip(values))


def test_values_of_other_lengths_fall_back_to_pieces_on_their_own():
    page = KeptPage.cut(BODY, _values())
    longer = {**_values(), CSRF_SLOT: secrets.token_urlsafe(90)}
    assert gzip.decompress(page.gzip(longer)) == _page_with(longer)
    assert len(page.gzip(longer)) > len(page.gzip(_values()))


def test_a_page_holding_a_nul_is_never_linked():
    page = KeptPage.cut(BODY.replace("Paragraph 7", "Paragraph\x007"), _values())
    assert page.linked is None
