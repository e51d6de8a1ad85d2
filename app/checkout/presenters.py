"""The order page as the buyer should see it, worked out from the stored order alone.

Rendering never writes: an order whose hold has passed is shown as expired straight
away (its seat is already free to others), and the worker's reconciliation moves it.

While the payment is followed, htmx asks for the status block every two seconds (30 for
a voucher), and nearly every answer would be the block the buyer already has. The block
names what it shows (`seen`: status, hold passed or not, the order's last change); a poll
for an order that still stands that way is answered 204 No Content, which htmx does not
swap, after one light query and no rendering. A thousand buyers waiting on MB WAY ask
five hundred times a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.orders.expiry import hold_passed, is_overdue
from app.orders.lookup import order_state_by_token
from app.orders.methods import PaymentMethod
from app.orders.models import Order
from app.orders.states import OrderStatus
from app.payments.provider import PaymentProvider
from app.payments.receipts import has_receipt
from app.timeutil import as_utc

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
    # What the status block shows, for its poll (see the module's docstring).
    seen: str


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
        seen=shown_state(order.status, order.expires_at, order.updated_at),
    )


def shown_state(status: str, expires_at: datetime | None, updated_at: datetime) -> str:
    """The status block's state as a short key: the order's status, whether its hold has
    passed (the block then says expired), and when the order last changed (any change of
    the order may change the block)."""
    late = hold_passed(status, expires_at)
    return f"{status}.{int(late)}.{int(as_utc(updated_at).timestamp() * 1_000_000)}"


def poll_unchanged(token: str, seen: str | None) -> bool:
    """Whether the order behind `token` still stands as the buyer's block shows it."""
    if not seen:
        return False
    state = order_state_by_token(token)
    return state is not None and shown_state(*state) == seen
