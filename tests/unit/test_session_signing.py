"""The shop's one-pass signer writes exactly what itsdangerous writes, and the session's
plain JSON falls back to Flask's tags whenever a value needs one."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from flask.sessions import session_json_serializer
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.web.sessions import CSRF_SALT, KeptSignerSessions, _csrf_signer, _UncompressedSigner

SESSION_SIGNING = {"key_derivation": "hmac", "digest_method": hashlib.sha1}


def _library(secret: str, salt: str, **options) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt, **options)


def test_a_session_cookie_is_what_itsdangerous_signs_and_opens_with_it() -> None:
    ours = _UncompressedSigner(
        "s" * 40,
        salt="cookie-session",
        serializer=session_json_serializer,
        signer_kwargs=SESSION_SIGNING,
    )
    library = _library(
        "s" * 40,
        "cookie-session",
        serializer=session_json_serializer,
        signer_kwargs=SESSION_SIGNING,
    )
    data = {"csrf_token": "ab" * 20, "journey": {"stages": [["landing", "2026-12-01"]]}}
    signed = ours.dumps(data)
    # Same payload, timestamp and signature as the library's own path (which would have
    # compressed a longer payload; this one does not shrink, so it is left as it is).
    payload, stamp, signature = signed.split(".")
    again = library.make_signer().get_signature(f"{payload}.{stamp}").decode()
    assert signature == again
    assert library.loads(signed) == data
    assert ours.loads(signed) == data


def test_a_changed_signature_is_refused() -> None:
    ours = _UncompressedSigner("s" * 40, salt="cookie-session", signer_kwargs=SESSION_SIGNING)
    signed = ours.dumps({"a": 1})
    forged = signed[:-2] + ("A" if signed[-2] != "A" else "B") + signed[-1]
    library = _library("s" * 40, "cookie-session", signer_kwargs=SESSION_SIGNING)
    with pytest.raises(BadSignature):
        library.loads(forged)


def test_a_csrf_token_is_the_one_flask_wtf_would_check() -> None:
    token = _csrf_signer("k" * 32).dumps("f" * 40)
    assert _library("k" * 32, CSRF_SALT).loads(token) == "f" * 40
    assert _library("other" + "k" * 27, CSRF_SALT).loads_unsafe(token)[0] is False


def test_plain_sessions_skip_the_tags_and_others_keep_them() -> None:
    json = KeptSignerSessions.serializer
    plain = {"b": [1, "x", None, True], "a": {"n": 1.5}}
    assert json.dumps(plain) == '{"a":{"n":1.5},"b":[1,"x",null,true]}'
    assert json.loads(json.dumps(plain)) == plain
    # A tuple, a date and a dict shaped like a tag come back as they went in.
    for tagged in ({"t": (1, 2)}, {"at": datetime(2026, 12, 1, tzinfo=UTC)}, {" t": [1]}):
        written = json.dumps(tagged)
        assert written == session_json_serializer.dumps(tagged)
        assert json.loads(written) == tagged
