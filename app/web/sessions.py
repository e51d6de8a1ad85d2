"""The visitor's session cookie and CSRF token: Flask's and Flask-WTF's own formats,
signed by signers built once.

Flask builds a new signing serializer (key list, salt, JSON serializer) twice on every
request, to open the session and to save it, and itsdangerous tries to zlib-compress
every cookie it signs. A session here holds a CSRF token, a headline and a few journey
stages (a couple of hundred bytes of JSON that compression barely shortens), and
starting a compressor costs more than the rest of the signature. So the shop keeps the
serializer per (key, fallbacks), building another only when they change (tests that
swap SECRET_KEY get a fresh one), and signs the JSON as it is. Reading is unchanged:
a compressed cookie (itsdangerous marks it with a leading ".") still opens.

Three more costs of every new visitor go the same way:
- itsdangerous derives the signing key from the secret on every signature (a hash or an
  HMAC each time); the derived key depends only on (secret, salt, method), so it is
  worked out once per process;
- it signs through Python's `hmac.new` with the digest given as a function, which takes
  the slow pure-Python path; given by name, the same HMAC is OpenSSL's;
- Flask's tagged JSON walks every value of the session to tag tuples, bytes, dates and
  Markup; the shop stores plain JSON only (strings, numbers, lists, dicts), so a session
  that is plain is written as plain JSON, which the tagged reader reads the same. One that
  is not (a date, a tuple) still goes through the tags.
"""

from __future__ import annotations

import functools
import hmac
import json
import time
from typing import Any

from flask import Flask, current_app, g, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes
from itsdangerous.serializer import Serializer
from itsdangerous.signer import HMACAlgorithm, Signer
from itsdangerous.timed import TimestampSigner

from app.web.random_pool import random_bytes

# Flask-WTF's salt for its tokens: a token signed here is checked by its validate_csrf.
CSRF_SALT = "wtf-csrf-token"
_PLAIN_SCALARS = (str, int, float, bool, type(None))


@functools.lru_cache(maxsize=64)
def _derived_key(secret_key: bytes, salt: bytes, derivation: str, digest_method: Any) -> bytes:
    """itsdangerous's own derivation, once per (secret, salt, method)."""
    return Signer(
        secret_key, salt=salt, key_derivation=derivation, digest_method=digest_method
    ).derive_key()


class _OneShotHMAC(HMACAlgorithm):
    """The same HMAC, with the digest named, so OpenSSL computes it in C."""

    def __init__(self, digest_method: Any) -> None:
        super().__init__(digest_method)
        self._name = digest_method().name

    def get_signature(self, key: bytes, value: bytes) -> bytes:
        # Not `hmac.digest`: its one-shot C call lets go of the GIL for every signature,
        # and with a worker's threads taking turns, getting it back costs more than the
        # HMAC (measured: half of a thread's time waiting there under load).
        return hmac.new(key, value, self._name).digest()


@functools.lru_cache(maxsize=8)
def _one_shot_hmac(digest_method: Any) -> _OneShotHMAC:
    """One per digest: itsdangerous builds a signer for every signature."""
    return _OneShotHMAC(digest_method)


class _KeptKeySigner(TimestampSigner):
    """itsdangerous's timestamp signer with its derived keys kept and a one-call HMAC."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if type(self.algorithm) is HMACAlgorithm:
            self.algorithm = _one_shot_hmac(self.digest_method)

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        return _derived_key(key, self.salt, self.key_derivation, self.digest_method)


class _UncompressedSigner(URLSafeTimedSerializer):
    """URL-safe timed signing of the JSON, without the attempt at compressing it."""

    default_signer = _KeptKeySigner

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))

    def dumps(self, obj: Any, salt: str | bytes | None = None) -> str:
        """What itsdangerous's timestamp signer writes (payload.timestamp.signature, each
        URL-safe base64), in one pass: it builds a signer object and converts every part
        to bytes again for each cookie and token, which costs more than the HMAC."""
        if salt is not None:
            return super().dumps(obj, salt)
        signing = self.signer_kwargs
        digest = signing.get("digest_method", _KeptKeySigner.default_digest_method)
        key = _derived_key(
            self.secret_keys[-1],
            self.salt,
            signing.get("key_derivation", _KeptKeySigner.default_key_derivation),
            digest,
        )
        stamped = b"%s.%s" % (self.dump_payload(obj), base64_encode(int_to_bytes(int(time.time()))))
        signature = _one_shot_hmac(digest).get_signature(key, stamped)
        return (b"%s.%s" % (stamped, base64_encode(signature))).decode()


class _PlainFirstJSON(TaggedJSONSerializer):
    """Flask's session JSON, written without tags when the session needs none."""

    def dumps(self, value: Any) -> str:
        if self._plain(value):
            # As Flask's JSON provider writes it (sorted keys, ASCII), minus the walk.
            return json.dumps(value, separators=(",", ":"), sort_keys=True)
        return super().dumps(value)

    def _plain(self, value: Any) -> bool:
        kind = type(value)
        if kind in _PLAIN_SCALARS:
            return True
        if kind is list:
            return all(self._plain(item) for item in value)
        if kind is dict:
            # A one-key dict whose key is a tag's (" t", " d"...) must be escaped by a tag.
            if len(value) == 1 and next(iter(value)) in self.tags:
                return False
            return all(type(key) is str and self._plain(item) for key, item in value.items())
        return False


class KeptSignerSessions(SecureCookieSessionInterface):
    """Flask's secure-cookie sessions with the signing serializer built once per key set."""

    serializer = _PlainFirstJSON()

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


@functools.lru_cache(maxsize=16)
def _csrf_signer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    return _UncompressedSigner(secret_key, salt=CSRF_SALT)


def csrf_token() -> str:
    """This visitor's CSRF token, as Flask-WTF's generate_csrf makes it (a random value
    kept in the session, signed with a timestamp) and its validate_csrf checks it, from a
    signer kept per secret instead of one built for every token."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field)
    if token is None:
        if field not in session:
            # 40 hex digits, as Flask-WTF's sha1 of os.urandom(64) gives: 160 random bits.
            session[field] = random_bytes(20).hex()
        secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        token = _csrf_signer(secret).dumps(session[field])
        setattr(g, field, token)
    return token


def init_sessions(app: Flask) -> None:
    app.session_interface = KeptSignerSessions()
