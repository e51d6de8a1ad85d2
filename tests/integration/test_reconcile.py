"""Reconciliation reads late payments at Stripe often while they are young, rarely once old.

An MB WAY request lives four minutes and is read every few seconds; a Multibanco
voucher may wait three days, and reading each open one every few seconds would flood
Stripe. The interval is the larger of PAYMENT_STATUS_CHECK_SECONDS and a twentieth of
the order's age.
"""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.payments.reconcile import reconcile
from app.timeutil import utcnow
from tests.integration.helpers import check_out_like_a_browser, only_order


def _reads(stripe) -> int:
    return len(stripe.calls("GET", r"/v1/payment_intents/pi_.*"))


def test_an_old_voucher_is_read_hours_apart_a_young_one_seconds_apart(stripe_client, stripe):
    check_out_like_a_browser(stripe_client, "multibanco")
    order = only_order()
    now = utcnow()
    # Two days old: read at most every 2.4 hours (48 h / 20).
    order.created_at = now - timedelta(days=2)
    order.provider_checked_at = now - timedelta(hours=1)
    db.session.commit()
    assert reconcile().checked == 0
    assert _reads(stripe) == 0
    order.provider_checked_at = now - timedelta(hours=3)
    db.session.commit()
    assert reconcile().checked == 1
    assert _reads(stripe) == 1
    # Just read: not again on the next pass.
    assert reconcile().checked == 0

    # A minute old: read once its 5 seconds have passed.
    order.created_at = now - timedelta(minutes=1)
    order.provider_checked_at = now - timedelta(seconds=6)
    db.session.commit()
    assert reconcile().checked == 1
    assert _reads(stripe) == 2
