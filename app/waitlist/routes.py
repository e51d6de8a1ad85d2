"""Joining an offer's waiting list (plain form, or swapped in place with htmx) and
leaving it from the link in its email. GETs only read."""

from __future__ import annotations

from flask import Blueprint, Response, abort, url_for

from app.analytics.journeys import visit_journey
from app.catalog.models import Offer
from app.catalog.services import offer_by_slug
from app.consent.current import current_consent
from app.extensions import db
from app.leads.marketing import ConsentRequest, ask_marketing_consent
from app.waitlist.forms import WaitlistForm, waitlist_form
from app.waitlist.links import entry_id_from_token
from app.waitlist.models import PlaceState, WaitlistEntry
from app.waitlist.services import Joiner, join, leave
from app.web.htmx import is_fragment_request
from app.web.i18n import current_lang, localized_route
from app.web.limits import limited
from app.web.rendering import no_store, redirect_after_post, render_page

bp = Blueprint("waitlist", __name__)


def _offer(slug: str) -> Offer:
    offer = offer_by_slug(slug)
    if offer is None:
        abort(404)
    return offer


def _join_page(offer: Offer, form: WaitlistForm, status: int = 200) -> Response:
    return render_page("waitlist/join.html", "waitlist_form", status=status, offer=offer, form=form)


@localized_route(bp, "/waitlist/<slug>", methods=["GET"])
def form(slug: str) -> Response:
    offer = _offer(slug)
    return _join_page(offer, waitlist_form(offer.slug))


@localized_route(bp, "/waitlist/<slug>", methods=["POST"], endpoint="join")
# Joining may end in a confirmation email (marketing ticked): a person needs a try or two.
@limited("5 per minute")
def join_list(slug: str) -> Response:
    offer = _offer(slug)
    form = waitlist_form(offer.slug)
    if not form.validate_on_submit():
        return _join_page(offer, form, status=422)
    consent_id = current_consent().consent_id
    joiner = Joiner(
        email=form.email.data,
        name=form.name.data.strip(),
        locale=current_lang(),
        consent_id=consent_id,
    )
    join(offer.id, joiner)
    if form.marketing_consent.data:
        ask_marketing_consent(
            ConsentRequest(
                email=joiner.email,
                name=joiner.name,
                locale=joiner.locale,
                consent_id=consent_id,
                journey=visit_journey("lead"),
            )
        )
    if is_fragment_request():
        # The form gives way to the note, where the visitor is.
        return render_page("waitlist/joined.html", "waitlist_joined", offer=offer)
    return redirect_after_post(url_for("waitlist.joined", slug=offer.slug))


@localized_route(bp, "/waitlist/<slug>/joined", methods=["GET"])
def joined(slug: str) -> Response:
    return render_page("waitlist/joined.html", offer=_offer(slug))


def _entry(token: str) -> WaitlistEntry:
    entry_id = entry_id_from_token(token)
    entry = db.session.get(WaitlistEntry, entry_id) if entry_id is not None else None
    if entry is None:
        abort(404)
    return entry


@localized_route(bp, "/waitlist/leave/<token>", methods=["GET"])
def leave_page(token: str) -> Response:
    """A page with one button: mail scanners that open links never take anyone off."""
    entry = _entry(token)
    return no_store(
        render_page(
            "waitlist/leave.html",
            entry=entry,
            offer=entry.offer,
            token=token,
            has_left=entry.state == PlaceState.LEFT,
        )
    )


@localized_route(bp, "/waitlist/leave/<token>", methods=["POST"], endpoint="leave")
def leave_list(token: str) -> Response:
    entry = _entry(token)
    leave(entry.id)
    return redirect_after_post(url_for("waitlist.leave_page", token=token))
