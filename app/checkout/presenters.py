"""The order page as the buyer should see it, worked out from the stored order alone.

Rendering never writes: an order whose hold has passed is shown as expired straight
away (its seat is already free to others), and the worker's reconciliation moves it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.orders.expiry import is_overdue
from app.orders.methods import PaymentMethod
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.payments.provider import PaymentProvider
from app.payments.receipts import has_receipt

# Why a payment failed, as the buyer reads it (order.failure_reason -> message).
FAILURE_MESSAGES = {
    "card_declined": _l("Your card was declined. No money was taken."),
    "mbway_rejected": _l("The MB WAY payment was rejected. No money was taken."),
    "provider_unavailable": _l(
        "We could not reach the payment service just now. Nothing was charged; please try again."
    ),
    "payment_refused": _l(
        "The payment service did not accept these details. Nothing was charged; try again or "
        "choose another way to pay."
    ),
    "changed_method": _l("Your previous payment was cancelled and nothing was charged."),
    "changed_method_open": _l(
        "Nothing was charged. The previous MB WAY request or Multibanco reference cannot be "
        "withdrawn: please do not pay it as well. If it is paid anyway, we refund the extra "
        "payment."
    ),
    "cancelled": _l("The Café com Vendas team cancelled this order. Nothing was charged."),
}
# Reasons that are not about the buyer's MB WAY app saying no.
NOT_A_REJECTION = frozenset(
    {
        "provider_unavailable",
        "payment_refused",
        "changed_method",
        "changed_method_open",
        "cancelled",
    }
)
# How often the status block asks again while the payment is followed.
POLL_MBWAY_AND_CARD = "2s"
POLL_MULTIBANCO = "30s"  # a voucher may take days to be paid: follow it gently
NO_SCRIPT_REFRESH_SECONDS = 3


@dataclass(frozen=True)
class OrderView:
    order: Order
    # The status the buyer is shown: "expired" already for an overdue hold.
    status: str
    # Which include renders the status block: templates/checkout/status/<state>.html.
    state: str
    # Poll the status block every `poll_every` (htmx) while following the payment.
    follow: bool
    poll_every: str
    # Without JavaScript the page reloads itself this often while the answer is near.
    refresh_seconds: int | None
    failure_message: str | None
    # A page of ours playing the buyer's side of the payment (demo mode only).
    simulator_url: str | None
    show_receipt: bool
    can_change_method: bool
    can_retry: bool


def _state(order: Order, status: OrderStatus, returned: str | None) -> str:
    if status != OrderStatus.AWAITING_PAYMENT:
        return str(status)
    if order.payment_method == PaymentMethod.MB_WAY:
        return "waiting_mbway"
    if order.payment_method == PaymentMethod.MULTIBANCO and order.multibanco_reference:
        return "waiting_multibanco"
    return "confirming_card" if returned == "done" else "waiting_card"


def failure_message(order: Order) -> str:
    """What the buyer is told about a failed payment."""
    reason = order.failure_reason or ""
    if order.payment_method == PaymentMethod.MB_WAY and reason not in NOT_A_REJECTION:
        reason = "mbway_rejected"
    return str(FAILURE_MESSAGES.get(reason, _l("No money was taken.")))


def present_order(
    order: Order, provider: PaymentProvider | None, returned: str | None
) -> OrderView:
    """How the order page shows `order`; `returned` is "done" or "cancelled" after Checkout."""
    status = OrderStatus.EXPIRED if is_overdue(order) else OrderStatus(order.status)
    waiting = status == OrderStatus.AWAITING_PAYMENT
    is_card = order.payment_method == PaymentMethod.CARD
    # A card order is followed only once the buyer is back from paying at the provider.
    follow = waiting and (not is_card or returned == "done")
    near = waiting and (order.payment_method == PaymentMethod.MB_WAY or returned == "done")
    return OrderView(
        order=order,
        status=str(status),
        state=_state(order, status, returned),
        follow=follow,
        poll_every=(
            POLL_MULTIBANCO
            if order.payment_method == PaymentMethod.MULTIBANCO
            else POLL_MBWAY_AND_CARD
        ),
        refresh_seconds=NO_SCRIPT_REFRESH_SECONDS if near else None,
        failure_message=failure_message(order) if status == OrderStatus.FAILED else None,
        simulator_url=provider.simulator_url(order) if waiting and provider else None,
        show_receipt=status == OrderStatus.PAID and has_receipt(order),
        can_change_method=waiting,
        can_retry=status in (OrderStatus.FAILED, OrderStatus.EXPIRED)
        and order.customer is not None,
    )
