"""The session cookie keeps Flask's format while its signer is built once: cookies signed
the usual way (compressed or not, under a key since rotated) still open, a new one is
plain signed JSON, and a changed key is honoured at once."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

from tests.integration.helpers import csrf_token, lead_data

STANDARD = SecureCookieSessionInterface()


def _signed_the_usual_way(app, data: dict) -> str:
    return STANDARD.get_signing_serializer(app).dumps(data)


def test_a_cookie_flask_compressed_still_opens_and_carries_its_csrf_token(csrf_client, app):
    visitor = csrf_client
    first = visitor.get("/")
    token = csrf_token(first.text)
    raw = visitor.get_cookie("session")
    opened = app.session_interface.get_signing_serializer(app).loads(raw.value)
    # Re-sign the visitor's session as Flask alone would, with enough repetition to be
    # compressed (itsdangerous marks that with a leading ".").
    padded = {**opened, "filler": "x" * 400}
    usual = _signed_the_usual_way(app, padded)
    assert usual.startswith(".")
    visitor.set_cookie("session", usual)
    answer = visitor.post("/leads", data=lead_data(csrf_token=token))
    assert answer.status_code in (200, 303), answer.text[:300]
    assert "form-error" not in answer.text


def test_a_new_session_is_signed_json_the_standard_interface_reads(app, db):
    visitor = app.test_client()
    visitor.get("/")
    value = visitor.get_cookie("session").value
    assert not value.startswith(".")
    assert "csrf_token" in STANDARD.get_signing_serializer(app).loads(value)


def test_a_rotated_key_still_opens_old_sessions_and_signs_with_the_new_one(make_app, db):
    with make_app(SECRET_KEY="old-key-" + "o" * 32) as old_shop:
        old_cookie = _signed_the_usual_way(old_shop, {"csrf_token": "f" * 40})
    with make_app(
        SECRET_KEY="new-key-" + "n" * 32, SECRET_KEY_FALLBACKS=["old-key-" + "o" * 32]
    ) as shop:
        signer = shop.session_interface.get_signing_serializer(shop)
        assert signer.loads(old_cookie) == {"csrf_token": "f" * 40}
        fresh = signer.dumps({"a": 1})
        with make_app(SECRET_KEY="new-key-" + "n" * 32) as only_new:
            assert STANDARD.get_signing_serializer(only_new).loads(fresh) == {"a": 1}


def test_two_visitors_get_each_their_own_nonce_in_the_policy_and_the_page(csrf_client, app):
    seen = set()
    for _ in range(3):
        answer = app.test_client().get("/checkout/bilhete-geral")
        policy = answer.headers["Content-Security-Policy"]
        nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
        assert f'nonce="{nonce}"' in answer.text
        assert policy.count(f"'nonce-{nonce}'") == 2  # script-src and style-src
        seen.add(nonce)
    assert len(seen) == 3
