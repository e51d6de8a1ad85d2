"""Signed links: a value in a URL that only the shop could have written, for a while.

Used by every emailed link that proves something without a password (a lead's
confirmation, a privacy-centre visit). Each use has its own salt, so a token made for
one never opens another. Signing uses SECRET_KEY; checking also accepts the keys it
replaced (SECRET_KEY_FALLBACKS), so a rotation does not break the links already sent.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


def secret_keys() -> list[str]:
    """Every key a signature may have been made with, oldest first and SECRET_KEY last:
    itsdangerous's order (it signs with the last and accepts any)."""
    config = current_app.config
    return [*reversed(config.get("SECRET_KEY_FALLBACKS") or ()), config["SECRET_KEY"]]


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_keys(), salt=salt)


def keyed_digest(text: str) -> str:
    """HMAC-SHA256 of `text` under the app's secret: equal texts match, none can be read back."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def sign(value: Any, salt: str) -> str:
    """A URL-safe token carrying `value`, signed and timestamped under the app's secret."""
    return _serializer(salt).dumps(value)


def unsign_id(token: str, salt: str, max_age_seconds: int) -> tuple[int | None, str]:
    """(the integer id a token carries, "ok"), or (None, "expired" | "invalid")."""
    try:
        value = _serializer(salt).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        return None, "expired"
    except BadSignature:
        return None, "invalid"
    # bool is an int to Python, never an id to us.
    if not isinstance(value, int) or isinstance(value, bool):
        return None, "invalid"
    return value, "ok"
