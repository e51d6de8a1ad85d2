"""ifthenpay's payment callback: believed only with our anti-phishing key, matched to the
order by our id for the attempt (and the gateway's request id), and applied once.

ifthenpay calls the URL registered for each key (`flask payments callback-url` prints
it) with the payment in the query string:

    ?key=[ANTI_PHISHING_KEY]&orderId=[ORDER_ID]&amount=[AMOUNT]&requestId=[REQUEST_ID]
     &entity=[ENTITY]&reference=[REFERENCE]&payment_datetime=[PAYMENT_DATETIME]

It only calls for money received. The callback goes through the same ledger as
Stripe's webhooks (payments/webhooks.py): the row lock, the unique (provider, event id)
and the order's state table make a repeated, late or out-of-order callback end in the
right state; an amount other than the order's is kept and flagged for review.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Mapping
from typing import Any

from app.orders.lookup import order_id_starting
from app.orders.models import Order
from app.payments.ifthenpay.gateway import cents_from
from app.payments.ifthenpay.provider import read_gateway_order_id
from app.payments.provider import Outcome, PaymentUpdate, ProviderEvent
from app.payments.settlement import settle_locked_order
from app.payments.webhooks import Handler
from app.web.bad_bytes import has_control

PAYMENT_RECEIVED = "payment.received"
# The query string's fields we read, and the longest each may be.
FIELDS = {
    "orderId": 25,
    "amount": 16,
    "requestId": 64,
    "entity": 8,
    "reference": 16,
    "payment_datetime": 32,
}


class NotFromIfthenpay(ValueError):
    """The callback does not carry our anti-phishing key."""


def verify_callback(args: Mapping[str, str], anti_phishing_key: str) -> ProviderEvent:
    """Check the key (in constant time) and read the payment; ValueError when unusable.

    Raises NotFromIfthenpay for a missing or wrong key, ValueError for a callback with
    the key whose fields are missing or malformed.
    """
    if not anti_phishing_key:
        raise NotFromIfthenpay("IFTHENPAY_ANTI_PHISHING_KEY is not set")
    sent = args.get("key", "")
    if not hmac.compare_digest(sent.encode(), anti_phishing_key.encode()):
        raise NotFromIfthenpay("wrong anti-phishing key")
    data: dict[str, Any] = {}
    for name, longest in FIELDS.items():
        value = args.get(name, "").strip()
        if len(value) > longest or has_control(value):
            raise ValueError(f"{name} is not short plain text")
        data[name] = value
    if read_gateway_order_id(data["orderId"]) is None:
        raise ValueError("orderId is not one of ours")
    if cents_from(data["amount"]) is None:
        raise ValueError("amount is not an amount")
    # One payment is one event: a callback repeated for it is a duplicate.
    event_id = f"{data['orderId']}:{data['requestId'] or data['reference']}"
    return ProviderEvent(id=event_id, type=PAYMENT_RECEIVED, data=data)


def order_id_for(event: ProviderEvent) -> uuid.UUID | None:
    """The order the payment is for, from our id at the gateway."""
    ours = read_gateway_order_id(event.data.get("orderId", ""))
    return order_id_starting(ours[0]) if ours else None


def _payment_received(order: Order, data: dict[str, Any]) -> str:
    ours = read_gateway_order_id(data["orderId"])
    current = ours is not None and ours[1] == order.attempt % 1000
    update = PaymentUpdate(
        str(order.id),
        Outcome.SUCCEEDED,
        "ifthenpay_callback",
        amount_cents=cents_from(data["amount"]),
        currency="EUR",
        # Money for an earlier attempt is still money in: settled (and flagged if its
        # seat was sold meanwhile); refunds then go to the request that took it.
        attempt=order.attempt if current else None,
        payment_intent_id=data["requestId"] or None,
    )
    return settle_locked_order(order, update)


HANDLERS: dict[str, Handler] = {PAYMENT_RECEIVED: _payment_received}
