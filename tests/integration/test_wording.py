"""Marketing edits the shop's wording in the back office: a draft changes nothing public,
the preview shows it, publishing changes the live pages without a restart, a revert
brings the earlier text back; placeholders must survive; the merge writes the published
texts into the .po files."""

from __future__ import annotations

import re
import shutil
from html import unescape
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db
from app.wording.commands import merge_into_catalogs
from app.wording.messages import TRANSLATIONS, catalog_messages, message_key
from tests.integration.staff_helpers import sign_in

BUTTON = "Get your ticket"
BUTTON_KEY = message_key(BUTTON)
PRICE = "Buy %(offer)s"


def _live_button(client, prefix: str = "") -> str:
    html = client.get(f"{prefix}/").get_data(as_text=True)
    return re.search(r'<a class="button" href="#offers">([^<]*)</a>', html).group(1)


def test_a_draft_is_previewed_then_published_live_then_reverted(client):
    before_pt, before_en = _live_button(client), _live_button(client, "/en")
    staff = sign_in(client, "marketing")
    listing = staff.get("/staff/wording?q=ticket").get_data(as_text=True)
    assert f'data-message="{BUTTON_KEY}"' in listing
    edit = staff.get(f"/staff/wording/{BUTTON_KEY}").get_data(as_text=True)
    assert "data-room" in edit  # a button: the room it has is shown

    saved = staff.post(
        f"/staff/wording/{BUTTON_KEY}",
        data={"pt_PT": "Quero o meu lugar", "en": "Save my seat", "then": "draft"},
    )
    assert saved.status_code == 303
    # A draft: the public pages still say what they said.
    assert _live_button(client) == before_pt
    assert _live_button(client, "/en") == before_en
    preview = staff.get("/staff/wording/preview?lang=pt_PT").get_data(as_text=True)
    assert "Quero o meu lugar" in preview and "data-preview-frame" in preview
    preview_en = staff.get("/staff/wording/preview?lang=en").get_data(as_text=True)
    assert "Save my seat" in preview_en

    published = staff.post(
        f"/staff/wording/{BUTTON_KEY}",
        data={"pt_PT": "Quero o meu lugar", "en": "Save my seat", "then": "publish"},
    )
    assert published.status_code == 303
    assert _live_button(client) == "Quero o meu lugar"
    assert _live_button(client, "/en") == "Save my seat"
    assert db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "wording.publish")
    ).all()

    # Revert the English one to the catalog's text; the Portuguese stays.
    reverted = staff.post(
        f"/staff/wording/{BUTTON_KEY}/revert", data={"locale": "en", "version": "catalog"}
    )
    assert reverted.status_code == 303
    assert _live_button(client, "/en") == before_en
    assert _live_button(client) == "Quero o meu lugar"
    history = staff.get(f"/staff/wording/{BUTTON_KEY}").get_data(as_text=True)
    assert "Save my seat" in history and "data-revert=" in history


def test_the_preview_shows_the_landing_without_its_scripts_in_a_bare_sandbox(client):
    # The live page has scripts: the preview is the same page without them (its frame
    # would block each one and log an error for it).
    assert "<script" in client.get("/").get_data(as_text=True)
    staff = sign_in(client, "marketing")
    for lang in ("pt_PT", "en"):
        answer = staff.get(f"/staff/wording/preview?lang={lang}")
        frame = re.search(r"<iframe [^>]*data-preview-frame[^>]*>", answer.get_data(as_text=True))
        srcdoc = re.search(r'srcdoc="([^"]*)"', frame.group(0))
        page = unescape(srcdoc.group(1))
        assert "<script" not in page.lower()
        # The rest of the page is all there, to its end.
        assert 'href="#offers"' in page and "/checkout/" in page
        assert page.rstrip().endswith("</html>")
        # Still nothing runs in the frame, nor reaches the back office's origin.
        tag = frame.group(0).replace(srcdoc.group(0), "")
        assert re.search(r"\ssandbox[\s>]", tag) and "allow-" not in tag
        assert "script-src" in answer.headers["Content-Security-Policy"]


def test_an_edit_that_drops_a_placeholder_is_refused_and_kept_on_the_page(client):
    staff = sign_in(client, "owner")
    key = message_key(PRICE)
    refused = staff.post(
        f"/staff/wording/{key}",
        data={"pt_PT": "Comprar agora", "en": "Buy %(offer)s", "then": "publish"},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "data-refused" in page and "Comprar agora" in page
    # Which text, and which placeholder it must keep.
    assert "o texto em português" in page and "%(offer)s" in page
    assert "%(offer)s" in page
    landing = client.get("/").get_data(as_text=True)
    assert "Comprar agora" not in landing


def test_door_staff_cannot_edit_the_wording(client):
    staff = sign_in(client, "door")
    assert staff.get("/staff/wording").status_code == 403
    posted = staff.post(
        f"/staff/wording/{BUTTON_KEY}", data={"pt_PT": "x", "en": "y", "then": "publish"}
    )
    assert posted.status_code == 403


def test_published_wording_is_merged_into_the_catalogs(tmp_path: Path, monkeypatch):
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy)
    monkeypatch.setattr("app.wording.commands.TRANSLATIONS", copy)
    changed = merge_into_catalogs(
        {"pt_PT": {BUTTON: "Quero o meu lugar"}, "en": {BUTTON: "Save my seat"}}
    )
    assert changed == 2
    for locale, text in (("pt_PT", "Quero o meu lugar"), ("en", "Save my seat")):
        with (copy / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
            assert read_po(po, locale=locale).get(BUTTON).string == text
    # Both catalogs still hold every message.
    assert set(catalog_messages(copy)) == set(catalog_messages())
