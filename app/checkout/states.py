"""The order's states and the moves allowed between them: one explicit table."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"


S = OrderStatus

# A failed or expired order may be retried (a new payment attempt), which moves it
# back to awaiting payment; a paid order only ever moves to refunded.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.FAILED, S.EXPIRED}),
    S.FAILED: frozenset({S.AWAITING_PAYMENT, S.PAID}),
    S.EXPIRED: frozenset({S.AWAITING_PAYMENT, S.PAID}),
    S.PAID: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset(),
}

# States in which the order page stops following the payment.
FINAL_STATES = frozenset({S.PAID, S.FAILED, S.EXPIRED, S.REFUNDED})


class TransitionRefused(Exception):
    """The transition table does not allow this move."""

    def __init__(self, current: OrderStatus, target: OrderStatus) -> None:
        super().__init__(f"order cannot move from {current} to {target}")
        self.current = current
        self.target = target


def check_transition(current: OrderStatus | str, target: OrderStatus | str) -> None:
    """Raise TransitionRefused unless the table allows current -> target."""
    current, target = OrderStatus(current), OrderStatus(target)
    if target not in TRANSITIONS[current]:
        raise TransitionRefused(current, target)
