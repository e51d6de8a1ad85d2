"""An erased person's address, sealed into the outbox messages that still need it.

Once a person is erased the shop holds their address nowhere, yet Kit, the CRM and the
erasure confirmation still have to reach it once. The address travels encrypted in
those messages' payloads (under SEALED_FIELD) and the worker drops it after delivery.
"""

from __future__ import annotations

from typing import Any

from app.outbox.models import SEALED_FIELD
from app.personal_data.encryption import decrypt, encrypt

SEALED_PURPOSE = "outbox.sealed_email"


def seal(email: str) -> dict[str, str]:
    """The payload fields that carry `email` sealed."""
    return {SEALED_FIELD: encrypt(email, SEALED_PURPOSE)}


def unseal(payload: dict[str, Any]) -> str:
    """The address a message carries sealed; LookupError once it was cleared."""
    sealed = payload.get(SEALED_FIELD)
    if not sealed:
        raise LookupError("the message no longer carries an address")
    return decrypt(sealed, SEALED_PURPOSE)
