"""Personal data encrypted at rest: AES-256-GCM under keys from the environment.

`DATA_KEYS` lists the data keys as `key_id:base64url(32 bytes)`, comma-separated. The
first one encrypts; the others only decrypt, so a new key can be put in front, the
values re-encrypted (`flask keys rotate`) and the old key removed afterwards.

A stored value reads `v1:<key_id>:<base64url(nonce + ciphertext + tag)>`. The column's
purpose (say `customers.email`) is the associated data, so a value copied into another
column does not decrypt there. An encrypted column cannot be searched: lookups by
email go through a blind index, an HMAC-SHA256 of the normalised email under its own
key (`BLIND_INDEX_KEY`), which reveals equal emails and nothing else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app
from sqlalchemy import Text
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

from app.web.input_rules import normalize_email

FORMAT = "v1"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96 bits, the size GCM is built for
KEY_ID = re.compile(r"[a-z0-9-]{1,32}")


class KeyringError(ValueError):
    """The keys in the environment are missing or malformed."""


class DecryptionError(ValueError):
    """A stored value could not be decrypted (tampered, wrong column, not encrypted).

    The message never contains the stored value: it may be personal data in clear.
    """


class UnknownKeyError(DecryptionError):
    """A value was encrypted under a key that is no longer in DATA_KEYS."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    # validate=True: a stray character is an error, not silently dropped.
    return base64.b64decode(padded, altchars=b"-_", validate=True)


def decode_key(text: str, name: str) -> bytes:
    """A 32-byte key from its base64url text; KeyringError naming `name` otherwise."""
    try:
        key = _b64decode(text.strip())
    except (binascii.Error, ValueError) as exc:
        raise KeyringError(f"{name} is not valid base64url") from exc
    if len(key) != KEY_BYTES:
        raise KeyringError(f"{name} must be {KEY_BYTES} bytes (base64url), not {len(key)}")
    return key


def new_key() -> str:
    """A fresh random 32-byte key, as base64url text."""
    return _b64encode(secrets.token_bytes(KEY_BYTES))


def new_key_id() -> str:
    """A key id that says when the key was made and does not collide on the same day."""
    return f"k{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(2)}"


def parse_data_keys(text: str) -> list[tuple[str, bytes]]:
    """`id:key,id:key` into (id, key) pairs, the current key first."""
    keys: list[tuple[str, bytes]] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not KEY_ID.fullmatch(key_id):
            raise KeyringError(
                "DATA_KEYS entries read key_id:base64url-key, with a key id of "
                "lower-case letters, digits and dashes"
            )
        if any(existing == key_id for existing, _ in keys):
            raise KeyringError(f"DATA_KEYS names key {key_id!r} twice")
        keys.append((key_id, decode_key(encoded, f"DATA_KEYS key {key_id!r}")))
    if not keys:
        raise KeyringError("DATA_KEYS holds no key")
    return keys


class Keyring:
    """The data keys (the first encrypts) and the blind index key(s)."""

    def __init__(
        self,
        data_keys: list[tuple[str, bytes]],
        blind_index_key: bytes,
        previous_blind_index_key: bytes | None = None,
    ) -> None:
        if not data_keys:
            raise KeyringError("a keyring needs at least one data key")
        self.current_key_id = data_keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in data_keys}
        self._blind_index_key = blind_index_key
        self._previous_blind_index_key = previous_blind_index_key

    @classmethod
    def from_settings(
        cls, data_keys: str, blind_index_key: str, previous_blind_index_key: str = ""
    ) -> Keyring:
        """A keyring from the settings' text form; KeyringError says what is wrong."""
        if not blind_index_key.strip():
            raise KeyringError("BLIND_INDEX_KEY is not set")
        previous = (
            decode_key(previous_blind_index_key, "BLIND_INDEX_PREVIOUS_KEY")
            if previous_blind_index_key.strip()
            else None
        )
        return cls(
            parse_data_keys(data_keys), decode_key(blind_index_key, "BLIND_INDEX_KEY"), previous
        )

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    def encrypt(self, plaintext: str, purpose: str) -> str:
        """`plaintext` under the current key, bound to `purpose`, with a fresh random nonce."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._ciphers[self.current_key_id].encrypt(
            nonce, plaintext.encode("utf-8"), purpose.encode("utf-8")
        )
        return f"{FORMAT}:{self.current_key_id}:{_b64encode(nonce + sealed)}"

    def decrypt(self, stored: str, purpose: str) -> str:
        """The plaintext of a value `encrypt` made for the same purpose; DecryptionError else."""
        key_id, body = self._split(stored, purpose)
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UnknownKeyError(
                f"{purpose}: encrypted under key {key_id!r}, which is not in DATA_KEYS "
                f"(known: {', '.join(self._ciphers)}); put that key back to read it"
            )
        try:
            raw = _b64decode(body)
        except (binascii.Error, ValueError) as exc:
            raise DecryptionError(f"{purpose}: the encrypted value is damaged") from exc
        if len(raw) < NONCE_BYTES + 16:
            raise DecryptionError(f"{purpose}: the encrypted value is too short")
        try:
            plain = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode("utf-8"))
        except InvalidTag as exc:
            raise DecryptionError(
                f"{purpose}: the value under key {key_id!r} does not authenticate "
                "(altered, or encrypted for another column)"
            ) from exc
        return plain.decode("utf-8")

    def key_id_of(self, stored: str) -> str:
        """The id of the key a stored value was encrypted under."""
        return self._split(stored, "value")[0]

    def blind_index(self, email: str) -> str:
        """HMAC-SHA256 (hex) of the normalised email under the current blind index key."""
        return _hmac_hex(self._blind_index_key, normalize_email(email))

    def blind_indexes(self, email: str) -> list[str]:
        """Every index the email may be stored under: current key first, then the previous.

        During a blind index key change, rows not yet re-indexed by `flask keys rotate`
        still carry the previous key's index; lookups must find them.
        """
        indexes = [self.blind_index(email)]
        if self._previous_blind_index_key is not None:
            indexes.append(_hmac_hex(self._previous_blind_index_key, normalize_email(email)))
        return indexes

    @staticmethod
    def _split(stored: str, purpose: str) -> tuple[str, str]:
        version, _, rest = stored.partition(":")
        key_id, sep, body = rest.partition(":")
        if version != FORMAT or not sep or not KEY_ID.fullmatch(key_id):
            raise DecryptionError(f"{purpose}: not a {FORMAT} encrypted value")
        return key_id, body


def _hmac_hex(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


# -- the app's keyring -------------------------------------------------------------------


def init_keyring(app: Flask) -> Keyring:
    """Build the keyring from the app's settings and keep it in app.extensions."""
    keyring = Keyring.from_settings(
        app.config.get("DATA_KEYS", ""),
        app.config.get("BLIND_INDEX_KEY", ""),
        app.config.get("BLIND_INDEX_PREVIOUS_KEY", ""),
    )
    app.extensions["keyring"] = keyring
    return keyring


def current_keyring() -> Keyring:
    """The keyring of the app in context."""
    return current_app.extensions["keyring"]


def encrypt(plaintext: str, purpose: str) -> str:
    """`plaintext` encrypted under the app's current key for `purpose`."""
    return current_keyring().encrypt(plaintext, purpose)


def decrypt(stored: str, purpose: str) -> str:
    """A value `encrypt` made for `purpose`, decrypted with the app's keys."""
    return current_keyring().decrypt(stored, purpose)


def blind_index(email: str) -> str:
    """The email's blind index under the app's current blind index key."""
    return current_keyring().blind_index(email)


# -- the column type ------------------------------------------------------------------


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; Python sees the plaintext, the database never does.

    The purpose names the column (`customers.email`) and is bound into every value.
    Comparing the column with a value is refused: a fresh nonce makes every encryption
    of the same text different, so such a query could never match anything.
    """

    impl = Text
    cache_ok = True

    class Comparator(TypeDecorator.Comparator[str]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            # IS NULL / IS NOT NULL tell something true about an encrypted column.
            is_null_test = op in (operators.is_, operators.is_not) or (
                op in (operators.eq, operators.ne) and other == (None,)
            )
            if not is_null_test:
                raise TypeError(
                    f"{self.expr} is encrypted: it cannot be compared or sorted in SQL "
                    "(look customers up with find_customer_by_email)"
                )
            return super().operate(op, *other, **kwargs)

    comparator_factory = Comparator

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return current_keyring().encrypt(value, self.purpose)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return current_keyring().decrypt(value, self.purpose)
