"""Small leaks closed: a closed privacy visit ends for every copy of the cookie, and every
page that shows personal data tells caches and the back button not to keep it."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.leads.models import Lead
from app.orders.models import Order
from app.outbox.worker import run_once
from tests.integration.helpers import (
    check_out,
    lead_data,
    lead_link_token,
    outbox_settings,
    pay_by_demo_card,
)
from tests.integration.privacy_centre import make_person, open_centre


def test_closing_a_privacy_visit_ends_it_for_a_copied_cookie_too(app, client, shop):
    make_person(client, shop)
    open_centre(client, shop)
    assert client.get("/my-data/me").status_code == 200
    copy = app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie(cookie.key, cookie.value)
    assert copy.get("/my-data/me").status_code == 200  # the same visit, copied
    assert client.post("/my-data/close").status_code == 303
    assert copy.get("/my-data/me").status_code == 303  # sent back to ask for a link
    assert copy.get("/my-data/me/export.json").status_code == 303


def _no_store(answer) -> bool:
    return "no-store" in answer.headers.get("Cache-Control", "")


def test_every_page_with_personal_data_says_no_store(client, db):
    client.post("/leads", data=lead_data())
    lead = db.session.scalar(select(Lead))
    pages = [f"/leads/confirm/{lead_link_token(lead.id)}"]
    pay_by_demo_card(client, checkout_key="paid-1")
    paid = db.session.scalar(select(Order).where(Order.status == "paid"))
    pages += [f"/order/{paid.public_token}", f"/attendee/{paid.attendee_token}"]
    for method, key in (("mb_way", "m"), ("multibanco", "a"), ("card", "c")):
        check_out(client, payment_method=method, checkout_key=key, email=f"{key}@example.pt")
    waiting = {o.payment_method: o for o in db.session.scalars(select(Order)) if o.status != "paid"}
    pages += [
        f"/demo/mbway/{waiting['mb_way'].public_token}",
        f"/demo/multibanco/{waiting['multibanco'].public_token}",
        f"/demo/card/{waiting['card'].public_token}",
        "/demo/mail",
    ]
    for page in pages:
        answer = client.get(page)
        assert answer.status_code in (200, 303), page
        assert _no_store(answer), page
    assert re.search(r"no-store", client.get("/cookies").headers["Cache-Control"])


def test_the_demo_mailbox_shows_a_browser_only_its_own_mail(app, client, db, tmp_path):
    with outbox_settings(app, MAIL_DIR=str(tmp_path), SMTP_URL=""):
        pay_by_demo_card(client, email="ana@example.pt")
        run_once()
        mine = client.get("/demo/mail").get_data(as_text=True)
        [name] = re.findall(r'href="/demo/mail/([^"]+\.eml)"', mine)
        assert client.get(f"/demo/mail/{name}").status_code == 200
        stranger = app.test_client()
        theirs = stranger.get("/demo/mail").get_data(as_text=True)
        assert ".eml" not in theirs
        assert stranger.get(f"/demo/mail/{name}").status_code == 404
        assert stranger.get(f"/demo/mail/{name}/raw").status_code == 404
        # Typing the same address in a form (asking for a privacy link, say) shows it.
        stranger.post("/my-data", data={"email": "ANA@example.pt"})
        assert name in stranger.get("/demo/mail").get_data(as_text=True)


def test_the_demo_mailbox_shows_the_mail_of_every_address_typed_in_a_form(app, client, tmp_path):
    """The checkout has the buyer's email and one per attendee: the buyer who typed a
    friend's address reads the ticket sent to it too, not only their own mail."""
    with outbox_settings(app, MAIL_DIR=str(tmp_path), SMTP_URL=""):
        pay_by_demo_card(client, email="marta@example.pt")
        run_once()
        buyer = app.test_client()
        assert ".eml" not in buyer.get("/demo/mail").get_data(as_text=True)
        buyer.post(
            "/my-data",
            data={"email": "rita@example.pt", "attendees-1-email": "Marta@example.pt"},
        )
        assert ".eml" in buyer.get("/demo/mail").get_data(as_text=True)
