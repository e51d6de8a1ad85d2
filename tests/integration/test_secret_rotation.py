"""A rotated SECRET_KEY, in the running shop: the door still admits the tickets sent
before it, and the team stays signed in, while the old key is in SECRET_KEY_FALLBACKS."""

from __future__ import annotations

import re

from app.tickets.codes import ref_of_code
from tests.integration.staff_helpers import sign_in
from tests.integration.test_checkin import _codes, _order

NEW = "rotated-secret-" + "r" * 40


def _checked_in(client, code: str) -> str:
    answer = client.post("/staff/checkin", data={"code": code})
    assert answer.status_code == 200, answer.status_code
    return re.findall(r'data-checkin="([a-z]+)"', answer.get_data(as_text=True))[0]


def test_the_door_admits_a_ticket_sent_before_the_rotation(app, make_app, client):
    [sent] = _codes(_order("Marta Leal"))
    door = sign_in(client, "door")
    old_key = app.config["SECRET_KEY"]
    # CSRF off as in the `client` fixture: its own tests are elsewhere.
    with make_app(
        SECRET_KEY=NEW, SECRET_KEY_FALLBACKS=[old_key], WTF_CSRF_ENABLED=False
    ) as rotated:
        phone = rotated.test_client()
        # The door's phone, signed in before the rotation, is still signed in.
        phone.set_cookie("staff", door.get_cookie("staff").value)
        assert _checked_in(phone, sent) == "ok"
        assert _checked_in(phone, sent) == "already"
    with make_app(SECRET_KEY=NEW) as forgotten, forgotten.app_context():
        assert ref_of_code(sent) is None
