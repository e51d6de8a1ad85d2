"""Lead form: on the landing page, on its own page, and validated field by field."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request, url_for

from app.analytics.datalayer import lead_left, push, push_lead_thanks, remember_customer
from app.consent.current import current_consent
from app.extensions import db
from app.leads.forms import LeadForm
from app.leads.links import lead_id_from_token
from app.leads.models import Lead
from app.leads.services import LeadDetails, confirm_lead, save_lead
from app.web.htmx import is_fragment_request
from app.web.i18n import current_lang, localized_route
from app.web.limits import limited
from app.web.rendering import no_store, redirect_after_post, render_field, render_page

bp = Blueprint("leads", __name__)


@localized_route(bp, "/leads", methods=["GET"])
def form() -> Response:
    return render_page("leads/form.html", form=LeadForm(), source=request.args.get("from"))


@localized_route(bp, "/leads", methods=["POST"], endpoint="submit")
# Each lead sends an email: a person needs one or two tries, a script many.
@limited("5 per minute")
def submit() -> Response:
    form = LeadForm()
    if not form.validate_on_submit():
        return render_page("leads/form.html", "lead_form", status=422, form=form)
    lead, _created = save_lead(
        LeadDetails(
            name=form.name.data.strip(),
            email=form.email.data,
            business_type=form.business_type.data,
            business_stage=form.business_stage.data,
            marketing_consent=bool(form.marketing_consent.data),
            locale=current_lang(),
            source="waitlist" if request.form.get("source") == "waitlist" else "landing",
            consent_id=current_consent().consent_id,
        )
    )
    remember_customer(lead.customer_id)
    if is_fragment_request():
        push({"event": "generate_lead"})
        # Swap the form for the thank-you note, keeping the visitor where she is.
        return render_page("leads/thanks.html", "thanks")
    lead_left()
    return redirect_after_post(url_for("leads.thanks"))


@localized_route(bp, "/leads/validate", methods=["POST"])
def validate_field() -> Response:
    form = LeadForm()
    name = request.args.get("field", "")
    if name not in {"name", "email", "business_type", "business_stage"}:
        abort(404)
    return render_field(form, name)


@localized_route(bp, "/leads/thanks", methods=["GET"])
def thanks() -> Response:
    push_lead_thanks()
    return render_page("leads/thanks.html")


@localized_route(bp, "/leads/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Response:
    """The double opt-in link: a page with one button, so mail scanners that open
    links do not confirm on the person's behalf; the POST confirms. It names the
    person's email, so no cache keeps it."""
    lead_id, state = lead_id_from_token(token)
    if lead_id is None:
        return no_store(render_page("leads/confirm.html", state=state, token=token, status=400))
    if request.method == "POST":
        lead = confirm_lead(lead_id)
        if lead is None:
            return no_store(
                render_page("leads/confirm.html", state="invalid", token=token, status=400)
            )
        return redirect_after_post(url_for("leads.confirm", token=token))
    lead = db.session.get(Lead, lead_id)
    if lead is None:
        return no_store(render_page("leads/confirm.html", state="invalid", token=token, status=400))
    state = "confirmed" if lead.confirmed_at else "ask"
    return no_store(render_page("leads/confirm.html", state=state, token=token, lead=lead))
