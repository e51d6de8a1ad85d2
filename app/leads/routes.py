"""Lead form: on the landing page, on its own page, and validated field by field."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for

from app.analytics.datalayer import lead_left, push, push_lead_thanks, remember_customer
from app.analytics.experiments import visitor_headline
from app.analytics.journeys import visit_journey
from app.catalog.services import current_event
from app.consent.current import current_consent
from app.extensions import csrf, db
from app.leads.forms import BUSINESS_STAGES, BUSINESS_TYPES, LeadForm, choice_label
from app.leads.kit_webhook import NotFromKit, verify_delivery, withdrawals_in
from app.leads.links import change_id_from_token
from app.leads.marketing import withdraw_marketing
from app.leads.models import LeadChange
from app.leads.services import LeadDetails, confirm_change, save_lead
from app.timeutil import utcnow
from app.web.htmx import is_fragment_request
from app.web.i18n import current_lang, localized_route
from app.web.limits import limited, unlimited
from app.web.rendering import no_store, redirect_after_post, render_field, render_page
from app.web.webhook_failures import record_failure

bp = Blueprint("leads", __name__)
log = logging.getLogger(__name__)

# Up to 100 events in one delivery; MAX_CONTENT_LENGTH stays small elsewhere.
KIT_WEBHOOK_MAX_BYTES = 1024 * 1024


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
            headline_variant=visitor_headline(current_event()),
            journey=visit_journey("lead"),
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


def _confirm_page(state: str, token: str, change: LeadChange | None = None) -> Response:
    status = 400 if state in {"expired", "invalid"} else 200
    summary = None
    if change is not None:
        summary = {
            "name": change.name,
            # A request from the checkout carries no business when none was ever typed.
            "business_type": change.business_type
            and choice_label(BUSINESS_TYPES, change.business_type),
            "business_stage": change.business_stage
            and choice_label(BUSINESS_STAGES, change.business_stage),
            "marketing_consent": change.marketing_consent,
        }
    # It names the person's email and details: no cache keeps it.
    return no_store(
        render_page(
            "leads/confirm.html",
            state=state,
            token=token,
            change=change,
            summary=summary,
            status=status,
        )
    )


@localized_route(bp, "/leads/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> Response:
    """The double opt-in link of one submission: a page showing what will be saved, with
    one button, so mail scanners that open links do not confirm on the person's behalf;
    the POST confirms."""
    change_id, state = change_id_from_token(token)
    if change_id is None:
        return _confirm_page(state, token)
    if request.method == "POST":
        if confirm_change(change_id) is None:
            return _confirm_page("invalid", token)
        return redirect_after_post(url_for("leads.confirm", token=token))
    change = db.session.get(LeadChange, change_id)
    if change is None:
        return _confirm_page("invalid", token)
    return _confirm_page("confirmed" if change.applied_at else "ask", token, change)


@bp.post("/webhooks/kit")
@csrf.exempt
# Kit retries what we refuse, and a bulk unsubscribe arrives as a burst of deliveries.
@unlimited
def kit_webhook() -> tuple[Response, int]:
    """Kit's unsubscribes, bounces and complaints: each withdraws marketing consent here.
    Verified on the raw body before anything is read; nothing is sent back to Kit."""
    request.max_content_length = KIT_WEBHOOK_MAX_BYTES
    body = request.get_data()
    try:
        verify_delivery(
            body,
            request.headers.get("X-Kit-Signature"),
            current_app.config["KIT_WEBHOOK_SECRET"],
            time.time(),
        )
    except NotFromKit as exc:
        log.warning("refused a Kit webhook: %s", exc)
        record_failure("kit", "signature")
        return jsonify(error="forbidden"), 403
    try:
        withdrawals = withdrawals_in(body, utcnow())
    except ValueError as exc:
        log.warning("refused a signed Kit webhook: %s", exc)
        record_failure("kit", "malformed")
        return jsonify(error="malformed"), 400
    try:
        results = [withdraw_marketing(w.email, w.reason, w.at) for w in withdrawals]
    except Exception:
        # Kit retries what fails; counted so the team hears when it keeps failing.
        record_failure("kit", "processing")
        raise
    for withdrawal, result in zip(withdrawals, results, strict=True):
        log.info("Kit event %s (%s): %s", withdrawal.event_id, withdrawal.reason, result)
    return jsonify(received=True, results=results), 200
