"""The visitor's session cookie: Flask's own signed cookie, with its signer built once.

Flask builds a new signing serializer (key list, salt, JSON serializer) twice on every
request, to open the session and to save it, and itsdangerous tries to zlib-compress
every cookie it signs. A session here holds a CSRF token, a headline and a few journey
stages (a couple of hundred bytes of JSON that compression barely shortens), and
starting a compressor costs more than the rest of the signature. So the shop keeps the
serializer per (key, fallbacks), building another only when they change (tests that
swap SECRET_KEY get a fresh one), and signs the JSON as it is. Reading is unchanged:
a compressed cookie (itsdangerous marks it with a leading ".") still opens.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer


class _UncompressedSigner(URLSafeTimedSerializer):
    """URL-safe timed signing of the JSON, without the attempt at compressing it."""

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))


class KeptSignerSessions(SecureCookieSessionInterface):
    """Flask's secure-cookie sessions with the signing serializer built once per key set."""

    def __init__(self) -> None:
        self._signers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        fallbacks = tuple(app.config["SECRET_KEY_FALLBACKS"] or ())
        keys = (app.secret_key, fallbacks)
        signer = self._signers.get(keys)
        if signer is None:
            signer = _UncompressedSigner(
                # itsdangerous signs with the last key and accepts every one of them.
                [*fallbacks, app.secret_key],
                salt=self.salt,
                serializer=self.serializer,
                signer_kwargs={
                    "key_derivation": self.key_derivation,
                    "digest_method": self.digest_method,
                },
            )
            # A handful of key sets at most in a process (one per app in the tests).
            self._signers = {**self._signers, keys: signer}
        return signer


def init_sessions(app: Flask) -> None:
    app.session_interface = KeptSignerSessions()
