import pytest

from app.orders.states import FINAL_STATES, MOVES, MoveRefused, OrderStatus, check_move

S = OrderStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.AWAITING_PAYMENT, S.PAID),
        (S.AWAITING_PAYMENT, S.FAILED),
        (S.AWAITING_PAYMENT, S.EXPIRED),
        (S.FAILED, S.AWAITING_PAYMENT),
        (S.EXPIRED, S.AWAITING_PAYMENT),
        (S.PAID, S.REFUNDED),
    ],
)
def test_allowed_moves(current, target):
    check_move(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.PAID, S.FAILED),
        (S.PAID, S.EXPIRED),
        (S.PAID, S.AWAITING_PAYMENT),
        (S.REFUNDED, S.PAID),
        (S.AWAITING_PAYMENT, S.REFUNDED),
        (S.PAID, S.PAID),
    ],
)
def test_refused_moves(current, target):
    with pytest.raises(MoveRefused):
        check_move(current, target)


def test_every_state_has_a_row_and_refunded_is_terminal():
    assert set(MOVES) == set(OrderStatus)
    assert MOVES[S.REFUNDED] == frozenset()
    assert S.AWAITING_PAYMENT not in FINAL_STATES
