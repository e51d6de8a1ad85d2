"""The order's states and the moves allowed between them: one explicit table.

A *move* is one step from a state to another; `app.orders.moves` applies moves, this
module only says which are allowed.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"


# A failed or expired order may be retried (a new payment attempt), which moves it
# back to awaiting payment; money arriving late still makes it paid; a paid order only
# ever moves to refunded.
MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.AWAITING_PAYMENT: frozenset(
        {OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.EXPIRED}
    ),
    OrderStatus.FAILED: frozenset({OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID}),
    OrderStatus.EXPIRED: frozenset({OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID}),
    OrderStatus.PAID: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.REFUNDED: frozenset(),
}

# States in which the order page stops following the payment.
FINAL_STATES = frozenset(
    {OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.EXPIRED, OrderStatus.REFUNDED}
)


class MoveRefused(Exception):
    """The table does not allow this move."""

    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(f"order cannot move from {current} to {target}")
        self.current = current
        self.target = target


def check_move(current: OrderStatus | str, target: OrderStatus | str) -> None:
    """Raise MoveRefused unless the table allows current -> target."""
    current, target = OrderStatus(current), OrderStatus(target)
    if target not in MOVES[current]:
        raise MoveRefused(current, target)
