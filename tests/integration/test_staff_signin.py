"""Signing in to the back office without a password: the link, the one button, the
session cookie apart from the buyers', idle timeout, sign out and sign out everywhere."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import itsdangerous.timed
import pyotp
from click.testing import CliRunner
from sqlalchemy import select

from app.outbox.models import OutboxMessage
from app.staff.accounts import add_member
from app.staff.models import StaffSignIn
from tests.integration.helpers import deliver_until_settled, outbox_settings, read_eml
from tests.integration.staff_helpers import EMAILS, newest_link_token, sign_in


def _sign_in_messages(db):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "staff_sign_in")
    ).all()


def test_the_cli_adds_lists_and_removes_members(app, db):
    runner = app.test_cli_runner()
    added = runner.invoke(args=["staff", "add", "Dona@CafeComVendas.pt", "--role", "owner"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(args=["staff", "list"])
    assert "dona@cafecomvendas.pt\towner" in listed.output
    wrong = runner.invoke(args=["staff", "add", "x@example.pt", "--role", "boss"])
    assert wrong.exit_code != 0
    removed = runner.invoke(args=["staff", "remove", "dona@cafecomvendas.pt"])
    assert removed.exit_code == 0
    assert "dona@" not in runner.invoke(args=["staff", "list"]).output


def test_the_emailed_link_signs_in_once_after_pressing_its_button(app, client, db, tmp_path):
    add_member(EMAILS["owner"], "owner")
    assert client.get("/staff/login").status_code == 200
    unknown = client.post("/staff/login", data={"email": "stranger@example.pt"})
    known = client.post("/staff/login", data={"email": EMAILS["owner"].upper()})
    # The same answer whether or not the address is the team's.
    assert unknown.status_code == known.status_code == 303
    assert unknown.headers["Location"] == known.headers["Location"] == "/staff/login/sent"
    assert len(_sign_in_messages(db)) == 1

    with outbox_settings(app, MAIL_DIR=str(tmp_path), SMTP_URL=""):
        deliver_until_settled("email")
    [mail] = read_eml(tmp_path)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://shop\.test(/staff/login/\S+)", text).group(1)

    # Opening the link (a mail scanner does) signs nobody in and uses nothing up.
    page = client.get(link)
    assert page.status_code == 200 and "data-sign-in" in page.get_data(as_text=True)
    assert client.get("/staff/").status_code == 303
    signed = client.post(link)
    assert signed.status_code == 303 and signed.headers["Location"] == "/staff/"
    assert "staff=" in signed.headers["Set-Cookie"] and "HttpOnly" in signed.headers["Set-Cookie"]
    assert client.get("/staff/").status_code == 200
    # Once only.
    other = app.test_client()
    assert other.post(link).status_code == 410
    assert other.get("/staff/").status_code == 303


def test_a_link_expires_after_its_minutes(app, client, db, monkeypatch):
    add_member(EMAILS["owner"], "owner")
    token = newest_link_token(EMAILS["owner"])
    link = db.session.scalars(select(StaffSignIn)).one()
    link.expires_at = link.expires_at - timedelta(minutes=16)
    db.session.commit()
    assert client.post(f"/staff/login/{token}").status_code == 410
    assert client.get("/staff/").status_code == 303


def test_the_session_ends_after_12_idle_hours(app, client, db, monkeypatch):
    sign_in(client, "owner")
    assert client.get("/staff/").status_code == 200
    later = time.time() + 12 * 3600 + 60
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    assert client.get("/staff/").status_code == 303


def test_sign_out_and_sign_out_everywhere(app, client, db):
    phone = sign_in(client, "owner")
    laptop = sign_in(app.test_client(), "owner")
    assert phone.get("/staff/").status_code == laptop.get("/staff/").status_code == 200
    phone.post("/staff/logout")
    assert phone.get("/staff/").status_code == 303
    assert laptop.get("/staff/").status_code == 200
    time.sleep(0.01)
    again = sign_in(app.test_client(), "owner")
    laptop.post("/staff/logout/everywhere")
    assert laptop.get("/staff/").status_code == 303
    assert again.get("/staff/").status_code == 303
    # A new sign-in afterwards works.
    assert sign_in(app.test_client(), "owner").get("/staff/").status_code == 200


def test_removing_a_member_ends_their_sessions(app, client, db):
    sign_in(client, "marketing")
    CliRunner().invoke(app.cli, ["staff", "remove", EMAILS["marketing"]])
    assert client.get("/staff/").status_code == 303


def test_the_staff_cookie_is_not_the_buyers_session(app, client, db):
    sign_in(client, "owner")
    names = {cookie.key for cookie in client._cookies.values()}
    assert "staff" in names
    assert client.get("/").status_code == 200


def test_an_owner_with_a_second_factor_needs_the_apps_code_too(app, client, db):
    add_member(EMAILS["owner"], "owner")
    enrolled = app.test_cli_runner().invoke(args=["staff", "totp", EMAILS["owner"]])
    assert enrolled.exit_code == 0 and "otpauth://totp/" in enrolled.output
    secret = re.search(r"secret=([A-Z2-7]+)", enrolled.output).group(1)
    token = newest_link_token(EMAILS["owner"])
    page = client.get(f"/staff/login/{token}").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page

    wrong = client.post(f"/staff/login/{token}", data={"code": "000000"})
    assert wrong.status_code == 422 and "code-error" in wrong.get_data(as_text=True)
    assert client.get("/staff/").status_code == 303
    # The wrong code left the link unused: the right one signs in with it.
    right = client.post(f"/staff/login/{token}", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 303
    assert client.get("/staff/").status_code == 200

    app.test_cli_runner().invoke(args=["staff", "totp", EMAILS["owner"], "--off"])
    other = app.test_client()
    assert other.post(f"/staff/login/{newest_link_token(EMAILS['owner'])}").status_code == 303


def test_an_htmx_sign_in_goes_to_the_sent_page_instead_of_swapping_it_into_the_form(client):
    answer = client.post(
        "/staff/login", data={"email": "stranger@example.pt"}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200
    assert answer.headers["HX-Redirect"] == "/staff/login/sent"
    assert "<main" not in answer.get_data(as_text=True)
