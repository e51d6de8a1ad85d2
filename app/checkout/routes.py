"""Checkout for an offer, and the order page that follows the payment.

Routes are thin: parse the form, call a service, choose a response. GETs only read.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, make_response, request, url_for

from app.analytics.datalayer import remember_customer
from app.analytics.experiments import visitor_headline
from app.analytics.journeys import note_visit, visit_journey
from app.catalog.calendar import event_ics
from app.catalog.models import Offer
from app.catalog.services import offer_by_slug
from app.checkout.datalayer import push_offer_view, push_order_progress
from app.checkout.forms import CheckoutForm, company_address, new_checkout_key
from app.checkout.payment_choice import offered_methods, payment_choice
from app.checkout.presenters import poll_unchanged, present_order
from app.checkout.promo import APPLY_BUTTON, Quote, is_promo_refusal, quote
from app.checkout.quantity import attendees_of, fit_attendee_rows, offer_quantities
from app.consent.cookie import ga_client_id
from app.consent.current import current_consent
from app.invoicing.documents import documents_of
from app.leads.marketing import ConsentRequest, ask_marketing_consent
from app.orders.expiry import expire_if_overdue
from app.orders.holds import seats_left
from app.orders.lookup import order_by_attendee_token, order_by_token
from app.orders.methods import PaymentMethod
from app.orders.models import Order
from app.orders.on_sale import kept_page_key, on_sale
from app.orders.placing import BuyerDetails, OrderRefused, place_order, retry_order
from app.orders.states import MoveRefused, OrderStatus
from app.orders.ticket_cards import ticket_cards
from app.payments.closing import abandon_payment, release_payment
from app.payments.registry import provider_of
from app.payments.starting import start_payment
from app.waitlist.claims import open_claim
from app.waitlist.forms import waitlist_form
from app.waitlist.models import SeatOffer
from app.web.htmx import is_fragment_request
from app.web.i18n import current_lang, localized_route
from app.web.input_rules import InvalidPhone, normalize_phone
from app.web.limits import address_key, limited, own_budget
from app.web.page_cache import BACK_SLOT, kept_pages, serve_kept, slot
from app.web.rendering import no_store, redirect_after_post, render_field, render_page

bp = Blueprint("checkout", __name__)

CHECKOUT_FIELDS = {
    "name",
    "email",
    "phone",
    "nif",
    "payment_method",
    "company_name",
    "company_nif",
    "company_address",
    "company_postcode",
    "company_city",
}


def _checkout_form(offer: Offer) -> tuple[CheckoutForm, Quote]:
    """The form as sent (or empty, with the code a partner's link carries: ?promo_code=),
    with a row per ticket asked for, and its price: the seats at the day's price with the
    code typed in it."""
    form = CheckoutForm(promo_code=request.args.get("promo_code", "")[:40])
    form.chosen_quantity = offer_quantities(form, offer)
    fit_attendee_rows(form, form.chosen_quantity)
    priced = quote(offer, form.promo_code.data, form.chosen_quantity)
    # Klarna's limits apply to what the order costs, all its tickets together.
    form.payment_method.choices = offered_methods(priced.price.total_cents)
    return form, priced


def _checkout_page(
    offer: Offer,
    form: CheckoutForm,
    priced: Quote,
    status: int = 200,
    error: str | None = None,
    claim: SeatOffer | None = None,
    **extra: Any,
) -> Response:
    promo_error = error if error and is_promo_refusal(error) else priced.promo_error
    return render_page(
        "checkout/checkout.html",
        "checkout_form",
        status=status,
        offer=offer,
        event=offer.event,
        form=form,
        price=priced.price,
        seats=seats_left(offer),
        checkout_error=None if error and is_promo_refusal(error) else error,
        promo_error=promo_error,
        waitlist=waitlist_form(offer.slug),
        claim=claim,
        claim_token=request.values.get("claim") if claim else None,
        # A claim link whose seat is gone (passed, used, left) says so above the list.
        claim_gone=bool(request.values.get("claim")) and claim is None,
        # htmx swaps the form alone: the summary's total above it comes out of band.
        totals_oob=is_fragment_request(),
        **extra,
    )


def _for_claimant(form: CheckoutForm, claim: SeatOffer) -> None:
    """The held seat is for the person it was offered to: their email, fixed."""
    form.email.data = claim.entry.email
    form.email.render_kw = {**(form.email.render_kw or {}), "readonly": True}
    if not form.name.data:
        form.name.data = claim.entry.name


def _order_url(order: Order, **args: str) -> str:
    return url_for("checkout.order", token=order.public_token, **args)


def _first_view(slug: str, **extra: Any) -> Response:
    """The checkout as it opens: an empty form for the offer, or, from the waiting
    list's email, the form of the person a seat is held for."""
    offer = offer_by_slug(slug)
    if offer is None:
        abort(404)
    form, priced = _checkout_form(offer)
    push_offer_view(offer, priced.price)
    if "checkout_key" in extra:
        form.checkout_key.data = extra.pop("checkout_key")
    claim = open_claim(request.args.get("claim"), offer.id)
    if claim is not None:
        _for_claimant(form, claim)
    return _checkout_page(offer, form, priced, claim=claim, **extra)


@localized_route(bp, "/checkout/<slug>", methods=["GET"])
def checkout(slug: str) -> Response:
    # Most buyers open the same page: it is kept (app/web/page_cache.py), with the
    # form's own key, like the nonce and the CSRF token, new for each of them.
    state = on_sale()
    note_visit("checkout")
    # A claim link's page is one person's (their email, their held seat): never kept.
    key = (
        kept_page_key("checkout", state, current_lang(), slug)
        if slug in state.offer_slugs and "claim" not in request.args
        else None
    )
    if key is None:
        return _first_view(slug)
    return serve_kept(
        kept_pages("checkout"),
        key,
        lambda: _first_view(slug, checkout_key=slot("checkout_key"), consent_next=slot(BACK_SLOT)),
        {"checkout_key": new_checkout_key()},
    )


@localized_route(bp, "/checkout/<slug>", methods=["POST"], endpoint="submit")
# Each order holds a seat: room for corrections and a retry, not for emptying the room.
@limited("10 per minute")
def submit(slug: str) -> Response:
    offer = offer_by_slug(slug)
    if offer is None:
        abort(404)
    form, priced = _checkout_form(offer)
    claim = open_claim(request.form.get("claim"), offer.id)
    if request.form.get("claim") and claim is None:
        return _checkout_page(offer, form, priced, status=409, error="claim_unavailable")
    if claim is not None:
        _for_claimant(form, claim)
    if request.form.get(APPLY_BUTTON):
        # "Apply" only shows the total with the code: nothing is checked or placed yet.
        status = 422 if priced.promo_error else 200
        return _checkout_page(offer, form, priced, status=status, claim=claim)
    if not form.validate_on_submit():
        return _checkout_page(offer, form, priced, status=422, claim=claim)
    consent = current_consent()
    company = bool(form.company_invoice.data)
    buyer = BuyerDetails(
        name=form.name.data.strip(),
        email=form.email.data,
        phone=form.phone_e164 or "",
        # A company invoice goes to the company's NIF, whatever the personal one.
        nif=form.company_nif_digits if company else form.nif_digits,
        company_name=form.company_name.data.strip() if company else None,
        company_address=company_address(form) if company else None,
        locale=current_lang(),
        consent_id=consent.consent_id,
        client_key=address_key(),
        headline_variant=visitor_headline(offer.event),
        journey=visit_journey("order"),
        attendees=attendees_of(form),
    )
    try:
        order = place_order(
            offer.id,
            buyer,
            payment_choice(form.payment_method.data),
            checkout_key=form.checkout_key.data,
            # Only with a standing analytics consent (this policy version, < 12 months).
            ga_client_id=ga_client_id(request.cookies) if consent.analytics else None,
            open_orders_limit=current_app.config["OPEN_ORDERS_LIMIT"],
            claim=claim.id if claim else None,
            quantity=form.chosen_quantity,
            promo_code=form.promo_code.data,
        )
    except OrderRefused as exc:
        status = 422 if is_promo_refusal(exc.code) else 409
        return _checkout_page(offer, form, priced, status=status, error=exc.code)
    remember_customer(order.customer_id)
    if form.marketing_consent.data:
        _ask_for_news(buyer)
    if order.provider_reference:
        # The same form arrived twice: the first one already started the payment.
        return redirect_after_post(_order_url(order))
    next_url = start_payment(order, return_url=_order_url(order))
    return redirect_after_post(next_url or _order_url(order))


@localized_route(bp, "/checkout/<slug>/quantity", methods=["POST"], endpoint="update_quantity")
def update_quantity(slug: str) -> Response:
    """Draw the form again for the quantity chosen, keeping what was typed: the whole page
    for the "Update" button (no JavaScript), the attendee rows and the totals for htmx.
    Holds no seat and writes nothing."""
    offer = offer_by_slug(slug)
    if offer is None:
        abort(404)
    form, priced = _checkout_form(offer)
    if not is_fragment_request():
        # From the waiting list's email: the page comes back with the seat still held.
        claim = open_claim(request.form.get("claim"), offer.id)
        if claim is not None:
            _for_claimant(form, claim)
        return _checkout_page(offer, form, priced, claim=claim)
    return render_page(
        "checkout/_quantity_update.html",
        offer=offer,
        form=form,
        price=priced.price,
    )


def _ask_for_news(buyer: BuyerDetails) -> None:
    """The box was ticked: the address gets the lead form's confirmation link, and consent
    starts only when its owner follows it. Unticked, nothing changes (nor is withdrawn)."""
    ask_marketing_consent(
        ConsentRequest(
            email=buyer.email,
            name=buyer.name,
            locale=buyer.locale,
            consent_id=buyer.consent_id,
            journey=buyer.journey,
        )
    )


@localized_route(bp, "/checkout/<slug>/validate", methods=["POST"])
def validate_field(slug: str) -> Response:
    offer = offer_by_slug(slug)
    if offer is None:
        abort(404)
    name = request.args.get("field", "")
    if name not in CHECKOUT_FIELDS:
        abort(404)
    return render_field(_checkout_form(offer)[0], name)


@localized_route(bp, "/order/<token>", methods=["GET"])
# The page asks again every two seconds while a payment is followed (30 a minute). Several
# buyers behind one address (an office, a venue's Wi-Fi, a carrier's shared address)
# would spend the address's app-wide budget on it alone, and be refused their next
# checkout with it: the order page counts on its own, ten buyers waiting at once.
@limited("300 per minute", methods=("GET",))
@own_budget
def order(token: str) -> Response:
    if is_fragment_request() and poll_unchanged(token, request.args.get("seen")):
        return no_store(Response(status=204))  # htmx keeps the block it has
    found = order_by_token(token)
    if found is None:
        abort(404)
    returned = request.args.get("checkout")
    view = present_order(found, provider_of(found), returned)
    push_order_progress(found)
    response = render_page(
        "checkout/order.html",
        "order_status",
        order=found,
        view=view,
        event=found.offer.event,
        methods=offered_methods(found.amount_cents),
        documents=() if is_fragment_request() else documents_of(found.id),  # not in the poll
        retry_error=request.args.get("retry_error"),
        returned=returned,
        receipt_error=request.args.get("receipt"),
    )
    # The page changes with the payment; never serve it from a cache.
    return no_store(response)


@localized_route(bp, "/order/<token>/retry", methods=["POST"])
def retry(token: str) -> Response:
    found = order_by_token(token)
    if found is None:
        abort(404)
    if found.customer is None:
        # The buyer was erased: nobody to charge; the page says so.
        return redirect_after_post(_order_url(found))
    method = request.form.get("payment_method", "")
    offered = [choice.value for choice in offered_methods(found.amount_cents)]
    if method not in offered:
        # The last method again, unless the shop stopped offering it since.
        method = found.payment_method if found.payment_method in offered else offered[0]
    if method == PaymentMethod.MB_WAY:
        try:
            normalize_phone(found.phone_on_order, require_pt_mobile=True)
        except InvalidPhone:
            return redirect_after_post(_order_url(found, retry_error="mbway_phone"))
    # A hold that passed ends now, and the last attempt is closed at the provider before
    # a new one opens.
    found = release_payment(expire_if_overdue(found))
    try:
        found = retry_order(found.id, payment_choice(method))
    except OrderRefused as exc:
        return redirect_after_post(_order_url(found, retry_error=exc.code))
    except MoveRefused:
        # Already paid or waiting: the order page shows where it stands.
        return redirect_after_post(_order_url(found))
    next_url = start_payment(found, return_url=_order_url(found))
    return redirect_after_post(next_url or _order_url(found))


@localized_route(bp, "/order/<token>/change", methods=["POST"])
def change_method(token: str) -> Response:
    """Stop waiting for this payment (closing it at the provider) to pay another way."""
    found = order_by_token(token)
    if found is None:
        abort(404)
    found = abandon_payment(expire_if_overdue(found))
    if found.status == OrderStatus.AWAITING_PAYMENT:
        return redirect_after_post(_order_url(found, retry_error="previous_payment_open"))
    return redirect_after_post(_order_url(found))


def _attendee_order(token: str) -> Order:
    """The paid order behind an attendee page; a refunded one has lost it (404)."""
    found = order_by_attendee_token(token)
    if found is None or found.status != OrderStatus.PAID:
        abort(404)
    return found


@localized_route(bp, "/attendee/<token>", methods=["GET"])
def attendee(token: str) -> Response:
    found = _attendee_order(token)
    response = render_page(
        "checkout/attendee.html",
        order=found,
        event=found.offer.event,
        token=token,
        documents=documents_of(found.id),
        tickets=ticket_cards(found),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@localized_route(bp, "/attendee/<token>/tickets", methods=["GET"])
def attendee_tickets(token: str) -> Response:
    """The order's tickets to print or keep on a phone: one page each, QR and code."""
    found = _attendee_order(token)
    response = render_page(
        "checkout/tickets.html",
        order=found,
        event=found.offer.event,
        token=token,
        tickets=ticket_cards(found),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@localized_route(bp, "/attendee/<token>/calendar.ics", methods=["GET"])
def attendee_calendar(token: str) -> Response:
    found = _attendee_order(token)
    event = found.offer.event
    body = event_ics(
        event,
        current_lang(),
        uid=f"{event.slug}-{found.id}@cafecomvendas.pt",
        url=url_for("checkout.attendee", token=token, _external=True),
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
