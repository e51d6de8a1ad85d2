"""The shop's images for the team: upload the hero, the link preview or a speaker's photo
(with its description in both languages), see which ones pages show, delete old ones."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.audit.log import record
from app.catalog.services import current_event
from app.extensions import db
from app.media.models import SPEAKER
from app.media.pictures import current_images, media_url
from app.media.processing import ImageRefused
from app.media.services import add_image, all_images, delete_image, forget_files
from app.staff.forms import ImageForm
from app.staff.guard import actor, current_member, requires, signed_in_member, staff_blueprint
from app.staff.models import StaffMember
from app.staff.roles import can
from app.web.i18n import localized
from app.web.limits import limited
from app.web.refused_bodies import fields_typed_before_the_file
from app.web.rendering import redirect_after_post, render_page

bp = staff_blueprint("staff_images", __name__)
# A phone photo is 2-8 MB; the rest of the app keeps its 16 KB limit on requests.
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# Room for the form's other fields and the multipart framing around the file.
REQUEST_MAX_BYTES = UPLOAD_MAX_BYTES + 64 * 1024
TOO_BIG = _l("The file is larger than 10 MB: save it smaller (a JPEG under 10 MB) and try again.")
REFUSALS = {
    "not_an_image": _l("This file is not a JPEG, PNG or WebP image."),
    "broken": _l("This image is damaged or incomplete: save it again and retry."),
    "too_many_pixels": _l("This image has too many pixels (over 50 megapixels)."),
    "too_small": _l(
        "This image is too small for that place: at least 320 × 160 for the hero, "
        "160 × 160 for a speaker and 1200 × 630 for the link preview."
    ),
}


@bp.url_value_preprocessor
def allow_an_image_upload(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before every before_request hook, and so before the first one reads the form
    # (control characters, CSRF): a limit raised in the view itself would come too late.
    if endpoint == "staff_images.upload":
        request.max_content_length = REQUEST_MAX_BYTES
        # Werkzeug counts the multipart body's parts against the form memory limit
        # too (16 KB for every other form): without this a photo is "too big".
        request.max_form_memory_size = REQUEST_MAX_BYTES


@bp.errorhandler(413)
def too_big(_error: Exception) -> Response:
    """A file over the limit: the images page again, the error under the file field and
    what was typed kept, as for every other refused image.

    Werkzeug refused the body by its length before reading it, and before the guard ran:
    the member is looked up here, and only the text fields sent ahead of the file (the
    body's first few KB, as much as any other form may send) are read back. Anyone else
    gets a page with no data.
    """
    member = signed_in_member()
    if request.endpoint != "staff_images.upload" or not (
        member and can(member.role, "images.upload")
    ):
        return render_page("staff/image_too_big.html", status=413, message=TOO_BIG)
    typed = fields_typed_before_the_file(current_app.config["MAX_FORM_MEMORY_SIZE"])
    form = _form(formdata=typed)
    form.file.errors = [TOO_BIG]
    return _page(form, 413)


def _speakers() -> list[str]:
    event = current_event()
    speakers = localized(event.content.get("speakers", []), "pt_PT") if event else []
    return [speaker["name"] for speaker in speakers]


def _form(**given: Any) -> ImageForm:
    form = ImageForm(**given)
    form.speaker.choices = [SelectChoice("", "—")] + [SelectChoice(name) for name in _speakers()]
    return form


def _page(form: ImageForm, status: int = 200) -> Response:
    images = all_images()
    ids = {image.uploaded_by for image in images if image.uploaded_by}
    members = db.session.scalars(select(StaffMember).where(StaffMember.id.in_(ids))).all()
    return render_page(
        "staff/images.html",
        status=status,
        form=form,
        images=images,
        shown={image.id for image in current_images()},
        uploaders={member.id: member.email for member in members},
        media_url=media_url,
        done=request.args.get("done"),
    )


@bp.get("/images")
@requires("images.upload")
def index() -> Response:
    return _page(_form())


@bp.post("/images")
@requires("images.upload")
@limited("30 per minute")
def upload() -> Response:
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 422)
    data = form.file.data.read(UPLOAD_MAX_BYTES + 1)
    if len(data) > UPLOAD_MAX_BYTES:
        # Just over the limit, within the room left for the other fields: answered as a
        # larger file is (too_big), 413.
        form.file.errors.append(TOO_BIG)
        return _page(form, 413)
    try:
        image = add_image(
            data,
            form.role.data,
            alt_pt=form.alt_pt.data,
            alt_en=form.alt_en.data,
            speaker_key=form.speaker.data or None,
            staff_id=current_member().id,
        )
    except ImageRefused as exc:
        form.file.errors.append(REFUSALS[exc.reason])
        return _page(form, 422)
    db.session.flush()
    after = {"image": image.id, "role": image.role, "size": f"{image.width}×{image.height}"}
    if image.role == SPEAKER:
        after["speaker"] = image.speaker_key
    record(actor(), "image.upload", after=after)
    db.session.commit()
    return redirect_after_post(url_for("staff_images.index", done="uploaded"))


@bp.post("/images/<int:image_id>/delete")
@requires("images.upload")
@limited("60 per minute")
def delete(image_id: int) -> Response:
    image = delete_image(image_id)
    if image is None:
        abort(404)
    files = image.files()
    record(actor(), "image.delete", before={"image": image_id, "role": image.role})
    db.session.commit()
    forget_files(files)
    return redirect_after_post(url_for("staff_images.index", done="deleted"))
