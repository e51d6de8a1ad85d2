"""A ticket's code: only the shop can make one, and a person can type it back loosely."""

from __future__ import annotations

from flask import Flask

from app.tickets.codes import CODE_ALPHABET, new_ticket_ref, ref_of_code, ticket_code


def _app(secret: str) -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret
    return app


def test_a_code_carries_its_ref_back() -> None:
    with _app("one secret").app_context():
        ref = new_ticket_ref()
        code = ticket_code(ref)
        assert len(ref) == 8 and all(c in CODE_ALPHABET for c in ref)
        assert ref_of_code(code) == ref


def test_typed_codes_forgive_case_spaces_and_look_alike_letters() -> None:
    with _app("one secret").app_context():
        code = ticket_code("0011ABCD")
        typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
        assert ref_of_code(typed) == "0011ABCD"


def test_a_forged_or_altered_code_is_refused() -> None:
    with _app("one secret").app_context():
        code = ticket_code("K7Q2M9XA")
    with _app("another secret").app_context():
        assert ref_of_code(code) is None
        assert ref_of_code("K7Q2M9XA-00000000") is None
        assert ref_of_code("") is None
        assert ref_of_code("K7Q2M9XA") is None
        assert ref_of_code("K7Q2M9XU-3FJ8PL2W") is None
