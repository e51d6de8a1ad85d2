"""Who composes each kind of message: the features register, the worker asks.

The outbox only delivers. What a message says is composed by the feature that caused it
(an order confirmation by `orders`, a lead's Kit subscriber by `leads`, an erasure by
`privacy`), at delivery time and from fresh data: a composer turns the stored message
into the *letter* its channel's adapter sends (an EmailMessage, a Kit subscriber, a
HubSpot contact, a GA4 hit). Composers raise NothingToSend when what the message was
about no longer exists.

Each feature lists its composers in a `COMPOSERS` table keyed by (channel, kind);
`create_app` hands every table to `init_composers`, so the outbox never imports a feature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, current_app

from app.outbox.errors import DeliveryFailed
from app.outbox.models import OutboxMessage

Composer = Callable[[OutboxMessage], Any]
ComposerTable = Mapping[tuple[str, str], Composer]
EXTENSION_KEY = "outbox_composers"


def init_composers(app: Flask, *tables: ComposerTable) -> None:
    """Register the features' composers on `app`; a (channel, kind) claimed twice is a bug."""
    merged: dict[tuple[str, str], Composer] = {}
    for table in tables:
        for key, composer in table.items():
            if key in merged:
                raise RuntimeError(f"two composers for outbox messages {key}")
            merged[key] = composer
    app.extensions[EXTENSION_KEY] = merged


def compose(message: OutboxMessage) -> Any:
    """The letter for `message`, from the feature that composes its kind."""
    composer = current_app.extensions[EXTENSION_KEY].get((message.channel, message.kind))
    if composer is None:
        raise DeliveryFailed(
            f"nothing composes {message.channel}/{message.kind} messages", permanent=True
        )
    return composer(message)
