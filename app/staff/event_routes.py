"""The event editor in the back office (owner and marketing): edit the event's copy,
dates and tickets as a draft, preview it, publish it, go back to an older version, and
download it as the data file. Every change of what the site shows is a POST; publishing
and reverting are recorded in the audit log."""

from __future__ import annotations

from flask import Response, abort, make_response, request, url_for

from app.analytics.experiments import headline_variants
from app.catalog.export import event_as_data, event_yaml
from app.catalog.models import EventRevision
from app.catalog.services import CatalogError, current_event
from app.extensions import db
from app.landing.page import landing_page
from app.staff import event_editor
from app.staff.event_form import LISTS, TIER_SLOTS, content_from, fields_of, without_origins
from app.staff.event_messages import describe
from app.staff.guard import actor, requires, staff_blueprint
from app.web.i18n import current_lang, localized_route
from app.web.rendering import redirect_after_post, render_page

bp = staff_blueprint("staff_event", __name__)


def _revision(revision_id: int) -> EventRevision:
    revision = db.session.get(EventRevision, revision_id)
    if revision is None:
        abort(404)
    return revision


def _editor(content: dict, draft: EventRevision | None, *, error=None, extra=None, status=200):
    """The form for `content`, one blank row per list (more where "add one" was pressed)."""
    fields = fields_of(content)
    for name in LISTS:
        blanks = 1 + (extra or {}).get(name, 0)
        fields["rows"][name] += [dict.fromkeys(LISTS[name], "") for _ in range(blanks)]
    return render_page(
        "staff/event_edit.html",
        fields=fields,
        draft=draft,
        note=request.form.get("note", "") if request.method == "POST" else "",
        error=describe(error) if error else None,
        error_field=error.field if error else None,
        locked_slugs=event_editor.slugs_with_orders(),
        tier_slots=TIER_SLOTS,
        status=status,
    )


@bp.get("/event")
@requires("event.edit")
def edit() -> Response:
    try:
        content, draft = event_editor.working_copy()
    except CatalogError:
        abort(404)
    return _editor(content, draft)


@bp.post("/event")
@requires("event.edit")
def save() -> Response:
    try:
        base, draft = event_editor.working_copy()
    except CatalogError:
        abort(404)
    content = content_from(request.form, base)
    more = request.form.get("more", "")
    if more in LISTS:
        # "Add one" without JavaScript: the same form again, one more blank row.
        return _editor(content, draft, extra={more: 1})
    stored, origins = without_origins(content)
    try:
        revision = event_editor.save_draft(
            stored, origins, actor(), request.form.get("note", "").strip()
        )
    except CatalogError as error:
        return _editor(content, draft, error=error, status=422)
    return redirect_after_post(url_for("staff_event.history", saved=revision.id))


@bp.get("/event/history")
@requires("event.edit")
def history() -> Response:
    return render_page(
        "staff/event_history.html",
        revisions=event_editor.history(),
        live_id=event_editor.live_revision_id(),
        saved=request.args.get("saved", type=int),
        done=request.args.get("done", ""),
        error=None,
    )


def _history_refusal(error: CatalogError) -> Response:
    return render_page(
        "staff/event_history.html",
        revisions=event_editor.history(),
        live_id=event_editor.live_revision_id(),
        saved=None,
        done="",
        error=describe(error),
        status=422,
    )


@bp.post("/event/revisions/<int:revision_id>/publish")
@requires("event.edit")
def publish(revision_id: int) -> Response:
    try:
        event_editor.publish(_revision(revision_id), actor())
    except CatalogError as error:
        db.session.rollback()
        return _history_refusal(error)
    return redirect_after_post(url_for("staff_event.history", done="published"))


@bp.post("/event/revisions/<int:revision_id>/revert")
@requires("event.edit")
def revert(revision_id: int) -> Response:
    try:
        event_editor.revert(_revision(revision_id), actor())
    except CatalogError as error:
        return _history_refusal(error)
    return redirect_after_post(url_for("staff_event.history", done="reverted"))


@localized_route(bp, "/event/preview/<int:revision_id>", methods=["GET"])
@requires("event.edit")
def preview(revision_id: int) -> Response:
    """The landing page as it would look with this version: the real template, the
    version's data, nothing stored; staff-only, so never cached nor indexed."""
    revision = _revision(revision_id)
    try:
        event, offers = event_editor.preview_of(revision.content)
    except CatalogError:
        abort(404)
    # One A/B headline at a time: ?variant=b shows the second one.
    variants = headline_variants(event)
    chosen = request.args.get("variant", "")
    variant = next((item for item in variants if item.get("id") == chosen), variants[0])
    return landing_page(
        event,
        variant,
        current_lang(),
        offers=offers,
        preview_of=revision,
        preview_variants=[str(item.get("id")) for item in variants],
    )


@bp.get("/event/export.yaml")
@requires("event.edit")
def export() -> Response:
    event = current_event()
    if event is None:
        abort(404)
    response = make_response(event_yaml(event_as_data(event)))
    response.headers["Content-Type"] = "application/yaml; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.yaml"'
    return response
