"""The wording editor (`/staff/wording`): every message in pt-PT and English side by side,
edited as drafts, previewed on the landing page at phone width, published without a
deploy, reverted from its history. A plural message (ngettext) is edited the same way,
with one text per plural form in each language. Owners and marketing."""

from __future__ import annotations

import re

from flask import Response, abort, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import refresh

from app.analytics.experiments import headline_variants
from app.audit.log import record
from app.catalog.services import current_event
from app.extensions import db
from app.landing.page import landing_page
from app.staff.forms import ConfirmForm, PluralWordingForm, WordingForm
from app.staff.guard import actor, requires, staff_blueprint
from app.web.i18n import LANGS
from app.web.rendering import no_store, redirect_after_post, render_page
from app.wording.editing import (
    editor_row,
    editor_rows,
    history,
    no_longer_used,
    publish_drafts,
    revert_to,
    save_draft,
)
from app.wording.live import PREVIEW_FLAG, published_changed
from app.wording.messages import CatalogMessage, EditRefused, Slot, by_key, catalog_messages

bp = staff_blueprint("staff_wording", __name__)

PAGE = 40
SHOWS = ("all", "missing", "changed", "recent")
REFUSALS = {
    "empty": _l("Nothing was saved: %(text)s cannot be empty."),
    "control": _l("Nothing was saved: %(text)s has an invisible control character; type it again."),
    "placeholders": _l(
        "Nothing was saved: %(text)s must keep exactly these placeholders, which the page "
        "fills in: %(placeholders)s."
    ),
}
TEXT_IN = {
    ("pt_PT", None): _l("the Portuguese text"),
    ("en", None): _l("the English text"),
    ("pt_PT", 0): _l("the Portuguese text for one"),
    ("pt_PT", 1): _l("the Portuguese text for several"),
    ("en", 0): _l("the English text for one"),
    ("en", 1): _l("the English text for several"),
}
FORMS = {"": None, "0": 0, "1": 1}
# A <script> element, start tag to end tag. Its text ends at the first `</script`, as
# the browser's parser reads it: the pages write JSON into scripts with `tojson`, which
# escapes `<`, and a draft's text is escaped wherever it goes, so no draft can open or
# close one.
SCRIPT_ELEMENT = re.compile(r"<script(?=[\s>])[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)


def _refusal(message: CatalogMessage, refused: EditRefused) -> str:
    return str(REFUSALS[refused.reason]) % {
        "text": TEXT_IN.get((refused.locale or "", refused.form), ""),
        "placeholders": " ".join(message.placeholders_of(refused.form)) or "—",
    }


def _field(slot: Slot) -> str:
    """The form field of one slot: `pt_PT`, or `pt_PT_1` for a plural form."""
    locale, form = slot
    return locale if form is None else f"{locale}_{form}"


def _form(message: CatalogMessage, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    kind = WordingForm if message.plural is None else PluralWordingForm
    return kind(data=data) if data is not None else kind()


def _message(key: str) -> CatalogMessage:
    message = by_key(key)
    if message is None:
        abort(404)
    return message


@bp.get("/wording")
@requires("wording.edit")
def index() -> Response:
    search = request.args.get("q", "")[:100]
    show = request.args.get("show", "all")
    show = show if show in SHOWS else "all"
    page = request.args.get("page", "1")
    number = max(1, int(page)) if page.isdigit() else 1
    rows = editor_rows(search, show)
    return render_page(
        "staff/wording.html",
        rows=rows[(number - 1) * PAGE : number * PAGE],
        total=len(rows),
        drafts=sum(len(row.drafts) for row in editor_rows(show="changed")),
        page=number,
        pages=max(1, -(-len(rows) // PAGE)),
        search=search,
        show=show,
        shows=SHOWS,
        form=ConfirmForm(),
        orphans=no_longer_used(),
        messages_now=catalog_messages(),
    )


def _edit_page(message: CatalogMessage, form, status: int = 200, error=None):  # type: ignore[no-untyped-def]
    return render_page(
        "staff/wording_edit.html",
        status=status,
        message=message,
        form=form,
        error=error,
        versions=history(message),
        # What was typed for this msgid before it became plural (or singular again).
        earlier=[row for row in no_longer_used() if row.msgid_hash == message.key],
        revert_form=ConfirmForm(),
    )


@bp.get("/wording/<key>")
@requires("wording.edit")
def edit(key: str) -> Response:
    message = _message(key)
    row = editor_row(message)
    current = {_field(slot): row.drafts.get(slot, row.live.get(slot, "")) for slot in message.slots}
    return _edit_page(message, _form(message, current))


@bp.post("/wording/<key>")
@requires("wording.edit")
def save(key: str) -> Response:
    message = _message(key)
    form = _form(message)
    if not form.validate_on_submit():
        return _edit_page(message, form, 422)
    who = actor()
    texts = {slot: form[_field(slot)].data for slot in message.slots}
    try:
        drafted = save_draft(message, texts, who.staff_id)
    except EditRefused as refused:
        db.session.rollback()
        return _edit_page(message, form, 422, _refusal(message, refused))
    published = 0
    if request.form.get("then") == "publish":
        published = publish_drafts(message.key)
        record(who, "wording.publish", after={"message": message.msgid[:120], "count": published})
    db.session.commit()
    if published:
        published_changed(current_app)
    done = "published" if published else ("drafted" if drafted else "unchanged")
    return redirect_after_post(url_for("staff_wording.edit", key=key, done=done))


@bp.post("/wording/publish")
@requires("wording.edit")
def publish_all() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    count = publish_drafts()
    record(actor(), "wording.publish", after={"message": "*", "count": count})
    db.session.commit()
    published_changed(current_app)
    return redirect_after_post(url_for("staff_wording.index", done="published"))


@bp.post("/wording/<key>/revert")
@requires("wording.edit")
def revert(key: str) -> Response:
    message = _message(key)
    slot = (request.form.get("locale", ""), FORMS.get(request.form.get("form", ""), -1))
    version = request.form.get("version", "")
    if slot not in message.slots or not (version.isdigit() or version == "catalog"):
        abort(400)
    who = actor()
    try:
        revert_to(None if version == "catalog" else int(version), message, slot, who.staff_id)
    except LookupError:
        abort(404)
    change = {"message": message.msgid[:120], "to": version}
    if slot[1] is not None:
        change["form"] = str(slot[1])
    record(who, "wording.revert", after=change)
    db.session.commit()
    published_changed(current_app)
    return redirect_after_post(url_for("staff_wording.edit", key=key, done="reverted"))


def _landing_with_drafts(lang: str) -> str:
    """The landing page as it would read with the drafts, rendered in this request only
    (nothing is counted or kept for it)."""
    event = current_event()
    if event is None:
        abort(404)
    g.lang = lang
    g.setdefault(PREVIEW_FLAG, True)
    refresh()
    return landing_page(event, headline_variants(event)[0], lang).get_data(as_text=True)


@bp.get("/wording/preview")
@requires("wording.edit")
def preview() -> Response:
    lang = request.args.get("lang", "pt_PT")
    lang = lang if lang in LANGS else "pt_PT"
    # The sandboxed frame would block each of the page's scripts and log an error for
    # every one; the shop works without JavaScript, so the preview shows that page and
    # leaves them out. The sandbox stays: anything left over still could not run.
    page = SCRIPT_ELEMENT.sub("", _landing_with_drafts(lang))
    # The editor's own page speaks the live wording, in the back office's language.
    g.pop(PREVIEW_FLAG, None)
    g.lang = "pt_PT"
    refresh()
    return no_store(render_page("staff/wording_preview.html", page=page, preview_lang=lang))
