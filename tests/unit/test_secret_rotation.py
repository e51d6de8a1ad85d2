"""Rotating SECRET_KEY: what the old key signed still opens while it is listed in
SECRET_KEY_FALLBACKS, and nothing new is signed with it."""

from __future__ import annotations

from flask import Flask

from app.config import load_settings
from app.tickets.codes import ref_of_code, ticket_code
from app.web.signing import sign, unsign_id

OLD = "old-secret-" + "o" * 40
NEW = "new-secret-" + "n" * 40


def _app(secret: str, *fallbacks: str) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret
    app.config["SECRET_KEY_FALLBACKS"] = list(fallbacks)
    return app


def test_a_ticket_sent_before_the_rotation_is_still_admitted() -> None:
    with _app(OLD).app_context():
        sent = ticket_code("K7Q2M9XA")
    with _app(NEW, OLD).app_context():
        assert ref_of_code(sent) == "K7Q2M9XA"
        # New codes are signed with the new key, and differ from the old one.
        shown_now = ticket_code("K7Q2M9XA")
        assert shown_now != sent and ref_of_code(shown_now) == "K7Q2M9XA"
    with _app(NEW).app_context():
        # Once the old key is dropped, so are the codes it signed.
        assert ref_of_code(sent) is None
        assert ref_of_code(shown_now) == "K7Q2M9XA"


def test_an_emailed_link_signed_before_the_rotation_still_opens() -> None:
    with _app(OLD).app_context():
        token = sign(42, "lead-confirm")
    with _app(NEW, OLD).app_context():
        assert unsign_id(token, "lead-confirm", 3600) == (42, "ok")
        fresh = sign(43, "lead-confirm")
    with _app(NEW).app_context():
        assert unsign_id(token, "lead-confirm", 3600) == (None, "invalid")
        assert unsign_id(fresh, "lead-confirm", 3600) == (43, "ok")


def test_fallbacks_are_read_comma_separated_without_blanks_or_the_current_key() -> None:
    settings = load_settings(
        {"APP_ENV": "test", "SECRET_KEY": NEW, "SECRET_KEY_FALLBACKS": f" {OLD} ,, {NEW},k2"}
    )
    assert settings.as_flask_config()["SECRET_KEY_FALLBACKS"] == [OLD, "k2"]
    assert load_settings({"APP_ENV": "test"}).as_flask_config()["SECRET_KEY_FALLBACKS"] == []
