"""Marketing edits the event in the back office: a draft changes nothing live, the
preview shows it, publishing puts it live at once (audited), reverting brings the old
one back; bad input is refused with the field named and what was typed kept; sold
seats and orders are protected; the export loads back into a fresh database unchanged."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.catalog.export import event_as_data
from app.catalog.models import Event, EventRevision, Offer
from app.catalog.services import current_event, sync_catalog
from app.extensions import db as _db
from app.orders.placing import BuyerDetails
from tests.integration.helpers import paid_ticket
from tests.integration.staff_helpers import sign_in
from tests.support import TABLES

BUYER = BuyerDetails("Rita Conceição", "rita@example.pt", "+351912345678", None, "pt_PT")
OLD_PT = "Venda mais, com calma e com método"
NEW_PT = "Vender com método, sem pressa"
NEW_EN = "Selling with a method, unhurried"


class _FormReader(HTMLParser):
    """The values the editor's form would send as a browser sends them."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("checkbox", "submit"):
            self.values[name] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def editor_form(client) -> dict[str, str]:
    page = client.get("/staff/event")
    assert page.status_code == 200
    reader = _FormReader()
    reader.feed(page.get_data(as_text=True))
    return reader.values


def _headline(**changes: str) -> dict[str, str]:
    return {"headline.pt_PT": NEW_PT, "headline.en": NEW_EN, **changes}


def _without_variants(form: dict[str, str]) -> dict[str, str]:
    # The A/B variants would show another headline to some visitors: one headline only.
    return {k: v for k, v in form.items() if not k.startswith("headline_variants.")}


def _save(client, form):
    return client.post("/staff/event", data=form)


def test_marketing_drafts_previews_publishes_and_reverts_the_headline(client, db):
    sign_in(client, "marketing")
    form = _without_variants(editor_form(client))
    assert form["headline.pt_PT"] == OLD_PT
    saved = _save(client, {**form, **_headline(), "note": "new headline"})
    assert saved.status_code == 303
    draft = _db.session.scalar(select(EventRevision))
    assert draft.published_at is None

    # A draft changes nothing the public sees.
    assert NEW_PT not in client.get("/").get_data(as_text=True)
    preview = client.get(f"/staff/event/preview/{draft.id}")
    assert preview.status_code == 200
    assert NEW_PT in preview.get_data(as_text=True)
    assert preview.headers["Cache-Control"] == "no-store"
    assert "noindex" in preview.headers["X-Robots-Tag"]
    assert NEW_EN in client.get(f"/staff/en/event/preview/{draft.id}").get_data(as_text=True)
    assert NEW_PT not in client.get("/").get_data(as_text=True)

    assert client.post(f"/staff/event/revisions/{draft.id}/publish").status_code == 303
    assert NEW_PT in client.get("/").get_data(as_text=True)
    assert NEW_EN in client.get("/en/").get_data(as_text=True)
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "event.publish"))
    assert entry is not None and entry.after["revision"] == draft.id

    # The event as the file had made it live is kept as a version: the first publish
    # can be undone like any other.
    history = client.get("/staff/event/history").get_data(as_text=True)
    assert "o evento como estava antes da primeira publicação aqui" in history
    [kept] = _db.session.scalars(select(EventRevision).where(EventRevision.id != draft.id))
    assert kept.content["headline"]["pt_PT"] == OLD_PT
    assert history.index(f'data-revision="{draft.id}"') < history.index(
        f'data-revision="{kept.id}"'
    )
    assert client.post(f"/staff/event/revisions/{kept.id}/revert").status_code == 303
    # Back as it was: its A/B headlines (one drawn per visitor), not the new one.
    assert NEW_PT not in client.get("/").get_data(as_text=True)
    _db.session.rollback()
    assert current_event().content["headline"]["pt_PT"] == OLD_PT
    assert client.post(f"/staff/event/revisions/{draft.id}/revert").status_code == 303
    assert NEW_PT in client.get("/").get_data(as_text=True)

    # The first version published: the event as it was, then go back to it.
    _save(
        client,
        {
            **_without_variants(editor_form(client)),
            **_headline(**{"headline.pt_PT": "Uma terceira versão"}),
        },
    )
    third = _db.session.scalar(select(EventRevision).order_by(EventRevision.id.desc()))
    client.post(f"/staff/event/revisions/{third.id}/publish")
    assert "Uma terceira versão" in client.get("/").get_data(as_text=True)
    history = client.get("/staff/event/history").get_data(as_text=True)
    assert f"/staff/event/revisions/{draft.id}/revert" in history
    assert client.post(f"/staff/event/revisions/{draft.id}/revert").status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert NEW_PT in page and "Uma terceira versão" not in page
    actions = _db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("event.publish") == 2 and actions.count("event.revert") == 3


def _refused(client, form, field: str, words: str, kept: str):
    answer = _save(client, form)
    text = html.unescape(answer.get_data(as_text=True))
    assert answer.status_code == 422, text[:300]
    assert words in text
    assert f'id="f-{field}"' in text and 'aria-invalid="true"' in text
    assert kept in text, "what was typed is kept"
    assert _db.session.scalar(select(EventRevision)) is None
    return text


def test_bad_input_is_refused_naming_the_field_and_keeping_what_was_typed(client, db):
    sign_in(client, "marketing")
    form = editor_form(client)
    _refused(
        client,
        {**form, "ends_at": "2020-01-01T10:00", "headline.pt_PT": "Guardado"},
        "ends_at",
        "Termina: tem de ser depois do início.",
        "Guardado",
    )
    _refused(
        client,
        {**form, "offers.0.price": "-5", "headline.en": "Kept too"},
        "offers.0.price",
        "Bilhete 1 — preço",
        "Kept too",
    )
    _refused(
        client,
        {**form, "title.pt_PT": "", "tagline.en": "Still here"},
        "title.pt_PT",
        "Título (Português)",
        "Still here",
    )
    # A start moved without the date people read: the page and the calendar would differ.
    _refused(
        client,
        {**form, "starts_at": "2030-01-16T09:30", "ends_at": "2030-01-16T18:30"},
        "date_label.pt_PT",
        "Data tal como aparece na página (Português): não indica o dia em que o evento começa",
        "2030-01-16T09:30",
    )


def test_seats_cannot_go_below_those_sold(client, db):
    paid_ticket(BUYER)
    paid_ticket(BuyerDetails("Ana Sousa", "ana@example.pt", "+351912345679", None, "pt_PT"))
    sign_in(client, "owner")
    form = editor_form(client)
    assert form["offers.0.slug"] == "bilhete-geral"
    page = client.get("/staff/event").get_data(as_text=True)
    assert 'name="offers.0.slug" type="text" value="bilhete-geral" readonly' in page
    assert 'value="bilhete-vip" readonly' not in page
    text = _refused(
        client,
        {**form, "offers.0.capacity": "1"},
        "offers.0.capacity",
        "2 lugares já vendidos",
        'value="1"',
    )
    assert "encomenda já feita mantém o valor" in text
    # Nor may an offer with orders change its slug.
    _refused(
        client,
        {**form, "offers.0.slug": "bilhete-novo"},
        "offers.0.slug",
        "já tem encomendas",
        "bilhete-novo",
    )
    # A price change is fine: the paid orders keep their amount.
    assert _save(client, {**form, "offers.0.price": "99,00"}).status_code == 303


def test_the_door_cannot_open_the_editor(client, db):
    sign_in(client, "door")
    assert client.get("/staff/event").status_code == 403
    assert client.post("/staff/event", data={"title.pt_PT": "x"}).status_code == 403
    assert client.get("/staff/event/export.yaml").status_code == 403


def test_a_get_writes_nothing_and_add_one_keeps_the_draft_unsaved(client, db):
    sign_in(client, "marketing")
    form = editor_form(client)
    client.get("/staff/event/history")
    answer = _save(client, {**form, "more": "agenda", "headline.pt_PT": "Ainda não"})
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert "Ainda não" in text
    agenda_rows = len(
        list(
            filter(
                None,
                (k.startswith("agenda.") and k.endswith(".time") for k in _FormReader_values(text)),
            )
        )
    )
    assert agenda_rows == len(current_event().content["agenda"]) + 2
    assert _db.session.scalar(select(EventRevision)) is None


def _FormReader_values(text: str) -> dict[str, str]:
    reader = _FormReader()
    reader.feed(text)
    return reader.values


def _clear_database() -> None:
    _db.session.rollback()
    for table in TABLES:
        _db.session.execute(_db.text(f"DELETE FROM {table}"))
    _db.session.commit()


def test_the_export_loads_back_into_a_fresh_database_unchanged(client, db, tmp_path):
    sign_in(client, "marketing")
    download = client.get("/staff/event/export.yaml")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    before_event = event_as_data(current_event())
    before_offers = {
        o.slug: (o.price_cents, o.capacity, o.sales_start, o.sales_end, o.name)
        for o in _db.session.scalars(select(Offer))
    }
    path = Path(tmp_path / "exported.yaml")
    path.write_bytes(download.data)

    _clear_database()
    assert _db.session.scalar(select(Event)) is None
    sync_catalog(path)
    assert event_as_data(current_event()) == before_event
    after_offers = {
        o.slug: (o.price_cents, o.capacity, o.sales_start, o.sales_end, o.name)
        for o in _db.session.scalars(select(Offer))
    }
    assert after_offers == before_offers


def test_the_release_sync_leaves_a_published_event_alone_unless_forced(client, db, event_file):
    sign_in(client, "marketing")
    _save(client, {**_without_variants(editor_form(client)), **_headline()})
    draft = _db.session.scalar(select(EventRevision))
    client.post(f"/staff/event/revisions/{draft.id}/publish")

    # Every deploy runs `flask catalog sync`: it must not undo marketing's edit.
    assert sync_catalog(event_file).skipped
    assert NEW_PT in client.get("/").get_data(as_text=True)
    assert not sync_catalog(event_file, force=True).skipped
    assert NEW_PT not in client.get("/").get_data(as_text=True)


def test_flask_catalog_export_writes_a_file_that_sync_accepts(app, db, tmp_path):
    target = tmp_path / "event.yaml"
    result = app.test_cli_runner().invoke(args=["catalog", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert "bilhete-geral" in target.read_text(encoding="utf-8")
    assert not sync_catalog(target).skipped
