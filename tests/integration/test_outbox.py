"""The outbox from the shop's side: what a sale, a refund and a lead queue, and the emails
that come out of it — as .eml files (the embedded default) and through a real SMTP server."""

from __future__ import annotations

import email
import email.policy
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar
from sqlalchemy import select

from app.extensions import db as _db
from app.leads.models import Lead
from app.outbox.services import enqueue
from app.outbox.worker import claim, run_once
from tests.integration.helpers import (
    deliver_until_settled,
    lead_data,
    messages,
    only_order,
    outbox_settings,
    pay_by_demo_card,
    read_eml,
)
from tests.smtp_double import SmtpDouble

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def outbox(app, db, tmp_path):
    """The shop's outbox delivering into tmp_path/mail (or SMTP, when a test sets it)."""
    mail = tmp_path / "mail"
    with outbox_settings(app, MAIL_DIR=str(mail), SMTP_URL="", OUTBOX_BACKOFF_SECONDS=0.01):
        yield mail


@pytest.fixture
def smtp():
    server = SmtpDouble().start()
    yield server
    server.stop()


def use_smtp(app, server: SmtpDouble) -> None:
    app.config["SMTP_URL"] = server.url
    app.extensions.pop("outbox_adapters", None)


def links(message: email.message.EmailMessage) -> list[str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"http://shop\.test(/\S+)", text)


# -- what gets queued ------------------------------------------------------------------


def test_a_paid_order_queues_its_messages_in_the_same_transaction(client, outbox):
    pay_by_demo_card(client)
    order = only_order()
    queued = {(m.channel, m.kind) for m in messages()}
    assert queued == {
        ("invoicing", "invoice"),
        ("email", "order_confirmation"),
        ("crm", "purchase"),
    }
    # No confirmed marketing consent: the email platform hears nothing of this buyer;
    # no analytics consent at checkout: neither does GA4.
    assert order.ga_client_id is None
    assert all(m.status == "pending" for m in messages())


def test_ga4_is_queued_only_for_a_buyer_who_consented_to_analytics(client, outbox):
    client.set_cookie("_ga", "GA1.1.123456789.1700000000")
    granted = f"v=1&analytics=1&marketing=0&id={'0' * 32}&at={int(time.time())}"
    client.set_cookie("cv_consent", granted)
    pay_by_demo_card(client)
    assert only_order().ga_client_id == "123456789.1700000000"
    assert ("ga4", "purchase") in {(m.channel, m.kind) for m in messages()}


def test_the_page_does_not_wait_for_the_outbox(client, outbox, smtp):
    use_smtp(client.application, smtp)
    smtp.delay_seconds = 5
    started = time.monotonic()
    pay_by_demo_card(client)
    assert time.monotonic() - started < 2
    assert smtp.connections == 0


# -- emails as files (the embedded default) -----------------------------------------------


def test_the_worker_writes_a_readable_confirmation_with_a_calendar_invite(client, outbox):
    order_url = pay_by_demo_card(client)
    counts = run_once()
    # The demo invoice and the email; the CRM is not configured.
    assert counts == {"delivered": 2, "skipped": 1}
    [mail] = read_eml(outbox)
    order = only_order()
    assert mail["To"] == "João Conceição <joao@example.pt>"
    assert mail["Subject"] == "O seu bilhete para o Café com Vendas está confirmado"
    assert mail["Content-Language"] == "pt-PT"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "147,00\u00a0€" in text and "147,00\u00a0€" in html
    assert "27,49\u00a0€" in text  # the VAT
    assert order.id.hex[:8].upper() in text

    [invite] = [
        part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    calendar = Calendar.from_ical(invite.get_content())
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart").tzinfo.key == "Europe/Lisbon"
    assert event["summary"] == "Café com Vendas"
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Europe/Lisbon"

    # The links in the email work.
    found = links(mail)
    assert order_url in found
    attendee = next(link for link in found if link.startswith("/attendee/"))
    page = client.get(attendee)
    assert page.status_code == 200
    assert "data-attendee-page" in page.text
    assert "example.org/comunidade" in page.text
    ics = client.get(f"{attendee}/calendar.ics")
    assert ics.headers["Content-Type"].startswith("text/calendar")
    assert Calendar.from_ical(ics.data).walk("VEVENT")


def test_the_outbox_status_command_counts_delivered_skipped_and_dead(app, client, outbox):
    pay_by_demo_card(client)
    run_once()
    result = CliRunner().invoke(app.cli, ["outbox", "status"])
    assert result.exit_code == 0, result.output
    assert "delivered 2" in result.output  # the demo invoice and the email
    assert "skipped 1" in result.output
    assert "dead 0" in result.output


def test_a_demo_only_page_lists_the_emails_written(app, client, outbox):
    pay_by_demo_card(client)
    run_once()
    box = client.get("/demo/mail")
    assert "O seu bilhete para o Café com Vendas está confirmado" in box.text
    name = re.search(r'href="/demo/mail/([^"]+\.eml)"', box.text).group(1)
    shown = client.get(f"/demo/mail/{name}")
    assert "Olá João Conceição" in shown.text
    assert client.get(f"/demo/mail/{name}/attachment/cafe-com-vendas-2027.ics").status_code == 200
    assert client.get("/demo/mail/..%2Fsecret_key").status_code == 404


def test_the_mailbox_and_demo_pages_exist_only_in_demo_mode(stripe_client):
    # The demo's blueprint is mounted only while the demo provider runs.
    assert stripe_client.get("/demo/mail").status_code == 404
    assert stripe_client.get("/en/demo/mail").status_code == 404
    assert stripe_client.get("/demo/card/anything").status_code == 404


# -- emails through SMTP --------------------------------------------------------------------


def test_an_english_buyer_gets_the_email_in_english_over_smtp(client, outbox, smtp):
    use_smtp(client.application, smtp)
    pay_by_demo_card(client, lang="/en", email="mary@example.com")
    run_once()
    [mail] = smtp.received
    assert mail["Subject"] == "Your ticket for Café com Vendas is confirmed"
    assert mail["Content-Language"] == "en"
    assert all(link.startswith("/en/") for link in links(mail))
    assert mail["Message-ID"].endswith("@cafecomvendas.pt>")


# What the mail server answers to the message the first two times, and what becomes of
# it: a 4xx means "try later" and the third try delivers it; a 5xx is final.
SMTP_ANSWERS = [
    pytest.param("421 4.3.2 Service shutting down", "delivered", 3, id="421-retried"),
    pytest.param("451 4.3.0 Try again later", "delivered", 3, id="451-retried"),
    pytest.param("452 4.2.2 Mailbox full", "delivered", 3, id="452-retried"),
    pytest.param("550 5.1.1 No such user", "dead", 1, id="550-dead"),
    pytest.param("552 5.3.4 Message too big", "dead", 1, id="552-dead"),
    pytest.param("554 5.7.1 Refused as spam", "dead", 1, id="554-dead"),
]


@pytest.mark.parametrize(("answer", "outcome", "attempts"), SMTP_ANSWERS)
def test_smtp_try_later_is_retried_and_delivers_once_and_a_refusal_is_dead(
    client, outbox, smtp, answer, outcome, attempts
):
    use_smtp(client.application, smtp)
    smtp.answers = [answer, answer]
    pay_by_demo_card(client)
    deliver_until_settled("email")
    [message] = messages("email")
    assert message.status == outcome
    assert message.attempts == attempts
    if outcome == "delivered":
        assert len(smtp.received) == 1
    else:
        assert answer[:3] in message.last_error
        assert smtp.received == []


# -- refunds and attendee access ---------------------------------------------------------------


def test_a_full_refund_sends_a_notice_and_closes_the_attendee_page(app, client, outbox):
    pay_by_demo_card(client)
    run_once()
    order = only_order()
    attendee = f"/attendee/{order.attendee_token}"
    assert client.get(attendee).status_code == 200
    result = CliRunner().invoke(app.cli, ["payments", "refund", str(order.id)])
    assert result.exit_code == 0, result.output
    run_once()
    notice = [m for m in read_eml(outbox) if "reembolso" in m["Subject"]]
    assert len(notice) == 1
    assert "147,00\u00a0€" in notice[0].get_body(preferencelist=("plain",)).get_content()
    assert client.get(attendee).status_code == 404
    assert client.get(f"{attendee}/calendar.ics").status_code == 404


# -- leads: double opt-in ---------------------------------------------------------------------


def _confirm_link(mail) -> str:
    return next(link for link in links(mail) if "/leads/confirm/" in link)


def test_a_lead_confirms_by_email_and_only_then_goes_to_kit(client, outbox):
    response = client.post("/leads", data=lead_data(marketing_consent="y"))
    assert response.status_code == 303
    assert [(m.channel, m.kind) for m in messages()] == [("email", "lead_confirmation")]
    run_once()
    [mail] = read_eml(outbox)
    assert mail["Subject"] == "Confirme o seu email para o Café com Vendas"
    link = _confirm_link(mail)

    page = client.get(link)
    assert "data-confirm-lead" in page.text
    # Opening the link (a mail scanner does) confirms nothing: the button does.
    assert messages("kit") == []
    confirmed = client.post(link)
    assert confirmed.status_code == 303
    assert "data-lead-confirmed" in client.get(link).text
    _db.session.rollback()
    lead = _db.session.scalars(select(Lead)).one()
    assert lead.confirmed_at is not None
    assert [(m.channel, m.kind) for m in messages("kit")] == [("kit", "subscriber")]
    assert [(m.channel, m.kind) for m in messages("crm")] == [("crm", "contact")]
    # Confirming twice queues nothing more.
    client.post(link)
    assert len(messages("kit")) == 1


def test_a_buyer_who_confirmed_marketing_consent_goes_to_kit_as_a_buyer(client, outbox):
    client.post("/leads", data=lead_data(email="joao@example.pt", marketing_consent="y"))
    run_once()
    client.post(_confirm_link(read_eml(outbox)[0]))
    pay_by_demo_card(client)
    stages = [m.payload["stage"] for m in messages("kit")]
    assert stages == ["lead", "buyer"]


def test_a_lead_without_marketing_consent_never_goes_to_kit(client, outbox):
    client.post("/leads", data=lead_data())
    run_once()
    client.post(_confirm_link(read_eml(outbox)[0]))
    assert messages("kit") == []
    assert len(messages("crm")) == 1


def test_an_expired_or_forged_confirmation_link_is_refused_kindly(app, client, outbox):
    client.post("/en/leads", data=lead_data(marketing_consent="y"))
    run_once()
    link = _confirm_link(read_eml(outbox)[0])
    assert link.startswith("/en/leads/confirm/")
    saved = app.config["LEAD_CONFIRM_MAX_AGE"]
    app.config["LEAD_CONFIRM_MAX_AGE"] = -1
    try:
        expired = client.post(link)
    finally:
        app.config["LEAD_CONFIRM_MAX_AGE"] = saved
    assert expired.status_code == 400
    assert "This link has expired" in expired.text
    forged = client.get(link[:-3] + "abc")
    assert forged.status_code == 400
    assert "This link does not work" in forged.text
    assert messages("kit") == []


# -- a worker killed in the middle of a batch --------------------------------------------------


def test_a_worker_killed_mid_batch_loses_nothing(
    app, client, outbox, smtp, database_url, event_file
):
    use_smtp(app, smtp)
    for n in range(3):
        pay_by_demo_card(client, email=f"buyer{n}@example.pt", checkout_key=f"kill-{n}")
    smtp.delay_seconds = 30  # the first email hangs in DATA
    env = {
        **os.environ,
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "EVENT_DATA_FILE": str(event_file),
        "SMTP_URL": smtp.url,
        "OUTBOX_LEASE_SECONDS": "1",
        "OUTBOX_BACKOFF_SECONDS": "0.01",
        "OUTBOX_HTTP_TIMEOUT": "60",
        "MAIL_DIR": str(outbox),
    }
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "wsgi:app",
        "outbox",
        "work",
        "--idle",
        "0.1",
    ]
    worker = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while smtp.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert smtp.connections == 1, "the worker never reached the SMTP server"
        os.killpg(worker.pid, signal.SIGKILL)  # mid-delivery, with the batch in hand
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    smtp.delay_seconds = 0
    emails = messages("email")
    assert [m.status for m in emails] == ["pending"] * 3
    time.sleep(1.1)  # the dead worker's lease runs out

    deliver_until_settled("email")
    assert [m.status for m in messages("email")] == ["delivered"] * 3
    recipients = {m["To"].addresses[0].addr_spec for m in smtp.received}
    assert recipients == {f"buyer{n}@example.pt" for n in range(3)}
    # Were one sent twice, it would carry the same Message-ID for the receiver to drop.
    assert len(set(smtp.message_ids())) == 3


def test_workers_taking_at_the_same_time_never_take_the_same_message(app, outbox):
    """FOR UPDATE SKIP LOCKED on PostgreSQL; serialized by BEGIN IMMEDIATE on SQLite."""
    for n in range(60):
        enqueue("ga4", "purchase", {"order_id": f"none-{n}"}, f"claim-test-{n}")
    _db.session.commit()
    start = threading.Barrier(4)

    def take(_worker: int) -> list[int]:
        with app.app_context():
            start.wait()
            taken: list[int] = []
            while batch := claim(5):
                taken += batch
            _db.session.remove()
            return taken

    with ThreadPoolExecutor(max_workers=4) as pool:
        takings = list(pool.map(take, range(4)))
    every = [message_id for taken in takings for message_id in taken]
    assert len(every) == 60
    assert len(set(every)) == 60


def test_a_stale_analytics_consent_captures_no_ga_client_id(client, outbox):
    client.set_cookie("_ga", "GA1.1.123456789.1700000000")
    a_year_ago = int(time.time()) - 366 * 86400
    client.set_cookie("cv_consent", f"v=1&analytics=1&marketing=0&id={'0' * 32}&at={a_year_ago}")
    pay_by_demo_card(client)
    assert only_order().ga_client_id is None
    assert all(m.channel != "ga4" for m in messages())
