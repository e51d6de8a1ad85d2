"""The back office's words for what the shop stores as codes: order states, reasons,
journey stages, messages and their states, payment notifications, audit actions and the
fields an audit entry keeps."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from app.money import format_money
from app.staff import outbox_routes
from app.timeutil import to_lisbon
from app.web.i18n import current_lang

# The team tells every state apart (the buyer's pages call failed and expired both "unpaid").
ORDER_STATES = {
    "awaiting_payment": _l("Awaiting payment"),
    "paid": _l("Paid"),
    "failed": _l("Failed"),
    "expired": _l("Expired"),
    "refunded": _l("Refunded"),
}
# Why an order moved, as its history keeps it (order_status_changes.reason): the shop's
# own codes and the payment providers' answers it names. A code not here (a card
# issuer's decline code passed on by Stripe) is shown as it came.
HISTORY_REASONS = {
    "order_placed": _l("placed at the checkout"),
    "payment_retried": _l("the buyer tried to pay again"),
    "payment_abandoned": _l("the buyer chose another way to pay"),
    "personal_data_erased": _l("closed when the buyer's data was erased"),
    "cancelled_by_staff": _l("cancelled by the team"),
    "payment_window_passed": _l("the time to pay ran out"),
    "refunded": _l("refunded"),
    "provider_unavailable": _l("the payment service could not be reached"),
    "payment_refused": _l("the payment service refused the details"),
    "card_declined": _l("card declined"),
    "payment_succeeded": _l("payment confirmed by Stripe"),
    "checkout_paid": _l("paid on Stripe's payment page"),
    "payment_canceled": _l("payment cancelled at Stripe"),
    "checkout_expired": _l("Stripe's payment page expired"),
    "async_payment_failed": _l("the payment failed after it was started (Stripe)"),
    "ifthenpay_callback": _l("payment notice from ifthenpay"),
    "ifthenpay_mbway_paid": _l("paid with MB WAY (ifthenpay)"),
    "ifthenpay_multibanco_paid": _l("Multibanco reference paid (ifthenpay)"),
    "mbway_rejected": _l("rejected in the MB WAY app"),
    "mbway_expired": _l("the MB WAY request was not answered in time"),
    "mbway_declined": _l("MB WAY refused it to the buyer (limits or card)"),
    "demo_card_paid": _l("paid by card (demo)"),
    "demo_mbway_approved": _l("approved in MB WAY (demo)"),
    "demo_multibanco_paid": _l("Multibanco reference paid (demo)"),
}
# Why an order waits for a person (orders.review_reason), and what to do.
REVIEW_REASONS = {
    "amount_mismatch": _l("the amount paid is not the order's: check it at the provider"),
    "paid_after_seat_released": _l(
        "paid after its seat was released and sold again: refund it, or find a seat"
    ),
    "paid_after_erasure": _l("paid after the buyer was erased: refund it"),
    "paid_twice": _l(
        "paid twice (the buyer also paid an earlier request or reference): refund the extra "
        "payment at the provider or by bank transfer"
    ),
    "dispute": _l("the buyer disputed the payment with her bank: answer it at Stripe"),
}
# The stages a visit reached before it left a lead or an order (analytics/journeys.py).
JOURNEY_STAGES = {
    "landing": _l("saw the landing page"),
    "checkout": _l("opened the checkout"),
    "lead": _l("left her details"),
    "order": _l("placed the order"),
}
LANGUAGE_NAMES = {"pt_PT": _l("Portuguese"), "en": _l("English")}
WORDING_STATES = {"draft": _l("draft"), "published": _l("live"), "retired": _l("earlier")}
# A plural message's forms as both catalogs number them (plural=(n != 1)).
PLURAL_FORM_NAMES = {0: _l("One (1)"), 1: _l("Several (0, 2 or more)")}
PLACE_STATES = {
    "waiting": _l("waiting"),
    "offered": _l("seat offered"),
    "claimed": _l("claimed"),
    "passed": _l("passed"),
    "left": _l("left the list"),
}
MESSAGE_STATES = {
    "pending": _l("waiting"),
    "delivered": _l("delivered"),
    "dead": _l("dead"),
    "skipped": _l("skipped"),
}
# Codes the shop itself keeps as a message's last error, in the team's words; anything
# else there is a receiver's answer, shown as it came (masked). The English sentence is
# what skips wrote before they kept a code.
MESSAGE_ERRORS = {
    outbox_routes.SKIPPED_BY_TEAM: _l("Skipped by the team"),
    "skipped by the team": _l("Skipped by the team"),
    # Not sent because the person was erased (privacy/erasure.py), and why.
    "person erased (request)": _l("Not sent: the person asked to be erased"),
    "person erased (operator)": _l("Not sent: the person was erased by an operator"),
    "person erased (retention)": _l("Not sent: the person was erased after the retention period"),
    "person erased (unconfirmed lead)": _l(
        "Not sent: the lead never confirmed her email and was erased"
    ),
}
# The worker's note on a message that ran out of attempts (outbox/worker.py), before the
# receiver's last answer.
GAVE_UP = re.compile(r"gave up after (\d+) attempts: (.*)", re.DOTALL)
# What each outbox message is, by its channel and kind (app/outbox/composers.py and the
# senders under app/*/notifications.py): who gets it and what about.
MESSAGE_KINDS = {
    "email/order_confirmation": _l("Email to the buyer: order confirmation and tickets"),
    "email/attendee_ticket": _l("Email to an attendee: her ticket"),
    "email/refund_notice": _l("Email to the buyer: refund"),
    "email/lead_confirmation": _l("Email to a lead: confirm her address"),
    "email/waitlist_seat_offered": _l("Email: a seat offered from the waiting list"),
    "email/privacy_link": _l("Email: link to the privacy centre"),
    "email/erasure_confirmation": _l("Email: personal data erased"),
    "email/staff_sign_in": _l("Email: sign-in link for the team"),
    "email/alert": _l("Email to the team: alert"),
    "invoicing/invoice": _l("Invoice (InvoiceXpress)"),
    "invoicing/credit_note": _l("Credit note (InvoiceXpress)"),
    "kit/subscriber": _l("Kit: subscribe"),
    "kit/unsubscribe": _l("Kit: unsubscribe"),
    "kit/erase": _l("Kit: erase the person"),
    "crm/purchase": _l("HubSpot: purchase"),
    "crm/contact": _l("HubSpot: contact details"),
    "crm/erase": _l("HubSpot: erase the person"),
    "ga4/purchase": _l("Google Analytics: purchase"),
    "ga4/refund": _l("Google Analytics: refund"),
}
# A payment provider's notifications (webhook_events.type), as the order page lists them.
PROVIDER_NAMES = {"stripe": "Stripe", "ifthenpay": "ifthenpay"}
PAYMENT_NOTICES = {
    "payment_intent.succeeded": _l("payment succeeded"),
    "payment_intent.payment_failed": _l("payment failed"),
    "payment_intent.canceled": _l("payment cancelled"),
    "payment_intent.processing": _l("payment being processed"),
    "checkout.session.completed": _l("checkout completed"),
    "checkout.session.async_payment_succeeded": _l("delayed payment succeeded"),
    "checkout.session.async_payment_failed": _l("delayed payment failed"),
    "checkout.session.expired": _l("checkout expired"),
    "charge.succeeded": _l("charge succeeded (receipt)"),
    "charge.refunded": _l("refund"),
    "charge.dispute.created": _l("dispute opened"),
    "payment.received": _l("payment received"),
}
# What the shop did with one (app/payments/settlement.py, stripe/events.py, webhooks.py).
NOTICE_RESULTS = {
    "paid": _l("order paid"),
    "already paid": _l("already paid: nothing changed"),
    "pending": _l("payment still pending"),
    "refunded": _l("order refunded"),
    "partially refunded": _l("part of the order refunded"),
    "receipt noted": _l("receipt kept"),
    "not handled": _l("not used by the shop"),
    "no order": _l("no order of ours"),
    "flagged: amount mismatch": _l("flagged for review: the amount differs"),
    "flagged: paid twice": _l("flagged for review: paid twice"),
    "flagged: dispute": _l("flagged for review: dispute"),
    "paid (buyer erased): flagged": _l("paid, but the buyer was erased: flagged for review"),
    "ignored: earlier attempt": _l("ignored: an earlier payment attempt"),
}
# Results with a state or a reason in them: "ignored: order is expired", "noted: <reason>".
IGNORED_IN_STATE = re.compile(r"ignored: order is (\w+)")
NOTED = re.compile(r"noted: (.+)", re.DOTALL)
# What the door makes of a ticket (Ticket.admission).
TICKET_STATES = {"valid": _l("valid"), "void": _l("void"), "unpaid": _l("unpaid")}
AUDIT_ACTIONS = {
    "order.refund": _l("refund"),
    "order.refund_transfer": _l("refund by bank transfer"),
    "order.refund_ticket": _l("one ticket refunded and voided"),
    "order.resend_confirmation": _l("confirmation resent"),
    # Kept for the entries written before the ticket holder and the order's contact
    # became two separate actions.
    "order.change_attendee": _l("attendee changed"),
    "order.correct_buyer": _l("order's name and email corrected"),
    "ticket.change_holder": _l("ticket given to another person"),
    "order.cancel": _l("order cancelled"),
    "order.reviewed": _l("marked reviewed"),
    "ticket.checkin": _l("ticket checked in"),
    "ticket.checkin_undo": _l("check-in undone"),
    "export.attendees": _l("attendees exported"),
    "export.leads": _l("leads exported"),
    "outbox.retry": _l("message retried"),
    "outbox.skip": _l("message skipped"),
    "wording.publish": _l("wording published"),
    "wording.revert": _l("wording reverted"),
    "event.publish": _l("event published"),
    "event.revert": _l("event reverted to an earlier version"),
    "image.upload": _l("image uploaded"),
    "image.delete": _l("image deleted"),
    "discount.create": _l("discount code created"),
    "discount.update": _l("discount code changed"),
}
# What each value an audit entry keeps before and after an action is (the keys the
# actions write, app/staff/*): a key not here is shown as it is.
AUDIT_FIELDS = {
    "status": _l("state"),
    "refunded_cents": _l("refunded so far"),
    "asked_cents": _l("amount refunded"),
    "provider_reference": _l("provider's reference"),
    "transfer": _l("bank transfer"),
    "voided": _l("ticket voided"),
    "emails_queued": _l("emails queued"),
    "name": _l("name"),
    "email": _l("email"),
    "ticket": _l("ticket"),
    "seat": _l("seat"),
    "emailed": _l("ticket emailed"),
    "review_reason": _l("flagged for"),
    "message": _l("message"),
    "attempts": _l("attempts"),
    "checked_in_at": _l("checked in at"),
    "checked_in_by": _l("checked in by"),
    "revision": _l("event version"),
    "offers_created": _l("tickets created"),
    "offers_retired": _l("tickets retired"),
    "image": _l("image"),
    "role": _l("place"),
    "size": _l("size"),
    "speaker": _l("speaker"),
    "count": _l("texts published"),
    "to": _l("back to"),
    "form": _l("plural form"),
    "with_nif": _l("with NIF"),
    "consenting_only": _l("only those who consented"),
    "code": _l("code"),
    "kind": _l("kind"),
    "value": _l("value"),
    "offer_ids": _l("tickets (ids)"),
    "valid_from": _l("valid from"),
    "valid_until": _l("valid until"),
    "max_uses": _l("uses allowed"),
    "active": _l("active"),
}
_TIMES = frozenset({"checked_in_at", "valid_from", "valid_until"})
# A state kept under "status": an order's, or an outbox message's.
_STATES = {**ORDER_STATES, **MESSAGE_STATES}


def staff_time(value: datetime | None) -> str:
    """Lisbon date and time, sortable at a glance: 2026-11-30 14:05."""
    return to_lisbon(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if key.endswith("_cents") and isinstance(value, int):
        return format_money(value, current_lang())
    if key in _TIMES and isinstance(value, str):
        try:
            return staff_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    if key == "status":
        return str(_STATES.get(value, value))
    if key == "review_reason":
        return str(REVIEW_REASONS.get(value, value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def audit_values(values: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """An audit entry's before or after as (what, value) in the team's words: money as
    money, states and reasons by name, times in Lisbon, yes and no."""
    return [
        (str(AUDIT_FIELDS.get(key, key)), _shown(key, value))
        for key, value in sorted((values or {}).items())
    ]


def message_kind(channel: str, kind: str) -> str:
    """What an outbox message is, in the team's words (its codes when there are none)."""
    code = f"{channel}/{kind}"
    return str(MESSAGE_KINDS.get(code, code))


def payment_notice(provider: str, type_: str, result: str) -> str:
    """One notification from a payment provider and what the shop did with it."""
    what = PAYMENT_NOTICES.get(type_, type_)
    return f"{PROVIDER_NAMES.get(provider, provider)}: {what} → {notice_result(result)}"


def notice_result(result: str) -> str:
    label = NOTICE_RESULTS.get(result)
    if label is not None:
        return str(label)
    ignored = IGNORED_IN_STATE.fullmatch(result)
    if ignored:
        state = ORDER_STATES.get(ignored[1], ignored[1])
        return gettext("ignored: the order is %(state)s", state=str(state).lower())
    noted = NOTED.fullmatch(result)
    if noted:
        return gettext("noted: %(reason)s", reason=HISTORY_REASONS.get(noted[1], noted[1]))
    return result
