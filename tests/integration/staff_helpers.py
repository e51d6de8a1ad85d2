"""Signing a test client in as a member of the team, the way a member does: the sign-in
link is asked for, made by the shop, and pressed."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.staff.accounts import add_member
from app.staff.models import StaffSignIn
from app.staff.signin import request_sign_in, sign_in_token

EMAILS = {
    "owner": "dona@cafecomvendas.pt",
    "marketing": "marketing@cafecomvendas.pt",
    "door": "porta@cafecomvendas.pt",
}


def newest_link_token(email: str) -> str:
    """The token of the newest sign-in link asked for (what the email would carry)."""
    request_sign_in(email)
    link_id = db.session.scalar(select(StaffSignIn.id).order_by(StaffSignIn.id.desc()))
    assert link_id is not None, f"no sign-in link for {email}"
    return sign_in_token(link_id)


def sign_in(client: FlaskClient, role: str) -> FlaskClient:
    """`client` signed in as the team's `role` member (added if new)."""
    add_member(EMAILS[role], role)
    answer = client.post(f"/staff/login/{newest_link_token(EMAILS[role])}")
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    return client
