"""Discount codes in the back office (`/staff/discounts`, owner and marketing): the list
with each code's uses so far, a new code, and a code's page to change or switch it off."""

from __future__ import annotations

from flask import Response, abort, request, url_for
from flask_babel import gettext

from app.catalog.discounts import DiscountCode
from app.catalog.models import Offer
from app.catalog.services import current_event
from app.extensions import db
from app.orders.coupons import uses_by_code
from app.staff.discount_form import DiscountForm, form_data
from app.staff.discounts import CodeTaken, all_codes, create_code, update_code
from app.staff.guard import actor, requires, staff_blueprint
from app.timeutil import utcnow
from app.web.rendering import redirect_after_post, render_page

bp = staff_blueprint("staff_discounts", __name__)


def _offers() -> list[Offer]:
    event = current_event()
    return [offer for offer in event.offers if offer.active] if event else []


def _form(data: dict[str, object] | None = None) -> DiscountForm:
    form = DiscountForm(data=data) if data is not None else DiscountForm()
    form.offers.choices = [(offer.id, offer.localized_name("pt_PT")) for offer in _offers()]
    return form


def _code(code_id: int) -> DiscountCode:
    code = db.session.get(DiscountCode, code_id)
    if code is None:
        abort(404)
    return code


def _edit_page(form: DiscountForm, code: DiscountCode | None, status: int = 200) -> Response:
    return render_page(
        "staff/discount_edit.html",
        status=status,
        form=form,
        code=code,
        uses=uses_by_code().get(code.id, 0) if code else 0,
    )


@bp.get("/discounts")
@requires("discounts.manage")
def index() -> Response:
    offers = {offer.id: offer.localized_name("pt_PT") for offer in _offers()}
    return render_page(
        "staff/discounts.html",
        codes=all_codes(),
        uses=uses_by_code(),
        offers=offers,
        now=utcnow(),
        done=request.args.get("done"),
    )


@bp.get("/discounts/new")
@requires("discounts.manage")
def new() -> Response:
    return _edit_page(_form(), None)


@bp.post("/discounts/new")
@requires("discounts.manage")
def create() -> Response:
    form = _form()
    if not form.validate_on_submit():
        return _edit_page(form, None, 422)
    try:
        create_code(actor(), form.values())
    except CodeTaken:
        form.code.errors = [gettext("That code already exists.")]
        return _edit_page(form, None, 422)
    return redirect_after_post(url_for("staff_discounts.index", done="created"))


@bp.get("/discounts/<int:code_id>")
@requires("discounts.manage")
def edit(code_id: int) -> Response:
    code = _code(code_id)
    return _edit_page(_form(form_data(code)), code)


@bp.post("/discounts/<int:code_id>")
@requires("discounts.manage")
def save(code_id: int) -> Response:
    code = _code(code_id)
    form = _form()
    if not form.validate_on_submit():
        return _edit_page(form, code, 422)
    try:
        update_code(actor(), code, form.values())
    except CodeTaken:
        form.code.errors = [gettext("That code already exists.")]
        return _edit_page(form, code, 422)
    return redirect_after_post(url_for("staff_discounts.index", done="saved"))
