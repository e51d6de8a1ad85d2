"""A ticket's code: its reference and a signature only the shop can make.

The code is what the QR carries and what the door types when a phone cannot scan:
"K7Q2M9XA-3FJ8PL2W". The reference finds the ticket; the signature (an HMAC under the
app's secret) proves the shop issued it, so nobody can make a valid code by guessing
references. Typed codes forgive case, spaces and the letters a person mistakes for digits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app

from app.web.signing import secret_keys

# Crockford's base32: no I, L, O or U, so a code read aloud or typed at the door is
# never mistaken for another.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REF_LENGTH = 8
SIGNATURE_LENGTH = 8
_STANDARD_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_CROCKFORD = str.maketrans(_STANDARD_BASE32, CODE_ALPHABET)
# What people type for what they see: O for 0, I and L for 1.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_NOT_PART = re.compile(r"[\s\-_.]")


def new_ticket_ref() -> str:
    """The ticket's public half of its code: 40 random bits in 8 characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(REF_LENGTH))


def _signature(ref: str, key: str) -> str:
    digest = hmac.new(key.encode(), f"ticket:{ref}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:5]).decode().translate(_TO_CROCKFORD)


def ticket_code(ref: str) -> str:
    """The code printed on the ticket and carried by its QR (signed with SECRET_KEY)."""
    return f"{ref}-{_signature(ref, current_app.config['SECRET_KEY'])}"


def ref_of_code(code: str) -> str | None:
    """The ticket reference a scanned or typed code carries, if its signature is ours."""
    plain = _NOT_PART.sub("", code or "").upper().translate(_READ_AS)
    if len(plain) != REF_LENGTH + SIGNATURE_LENGTH or any(c not in CODE_ALPHABET for c in plain):
        return None
    ref, signature = plain[:REF_LENGTH], plain[REF_LENGTH:]
    # A ticket sent before SECRET_KEY was rotated carries the old key's signature: the
    # door admits it while that key is among SECRET_KEY_FALLBACKS.
    if not any(hmac.compare_digest(signature, _signature(ref, key)) for key in secret_keys()):
        return None
    return ref
