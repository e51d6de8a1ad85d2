"""The back office at work: finding an order, refunding half of it, resending its email,
handing the ticket to someone else, cancelling an unpaid order, the door list and the
leads with their exports, the outbox, the dashboard's numbers and the audit log."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from app.analytics.views import landing_views
from app.audit.models import AuditEntry
from app.extensions import db
from app.orders.models import Order
from app.orders.placing import BuyerDetails
from app.outbox.models import OutboxMessage, OutboxStatus
from app.payments.models import WebhookEvent
from app.privacy.erasure import erase_person
from app.privacy.export import export_person
from app.timeutil import to_lisbon, utcnow
from tests.integration.helpers import (
    check_out,
    csrf_token,
    fresh,
    messages,
    only_order,
    paid_ticket,
    pay_by_demo_card,
    token_from,
)
from tests.integration.integrations import lead_of
from tests.integration.staff_helpers import sign_in

RITA = BuyerDetails("Rita Conceição", "rita@example.pt", "+351912345678", "256431779", "pt_PT")
JOAO = BuyerDetails("João Alves", "joao@example.pt", "+351961234567", None, "pt_PT")


def _rows(answer) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))


def _audit(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_orders_are_found_by_email_reference_and_name(client, db):
    rita, joao = paid_ticket(RITA), paid_ticket(JOAO)
    sign_in(client, "owner")
    for query in ("RITA@example.pt", rita.id.hex[:8].upper(), "conceição", str(rita.id)):
        page = client.get("/staff/orders", query_string={"q": query}).get_data(as_text=True)
        assert f'data-order-ref="{rita.id.hex[:8].upper()}"' in page, query
        assert f'data-order-ref="{joao.id.hex[:8].upper()}"' not in page, query
    everyone = client.get("/staff/orders").get_data(as_text=True)
    assert everyone.count("data-order-ref=") == 2
    waiting = client.get("/staff/orders", query_string={"status": "awaiting_payment"})
    assert "data-order-ref=" not in waiting.get_data(as_text=True)
    # htmx asks for the results block only.
    block = client.get("/staff/orders?q=joao@example.pt", headers={"HX-Request": "true"})
    assert block.get_data(as_text=True).lstrip().startswith('<div id="order-results"')


def test_refund_half_resend_and_change_the_attendee_each_audited(client, db):
    order = paid_ticket(RITA)
    sign_in(client, "owner")
    detail = client.get(f"/staff/orders/{order.id}").get_data(as_text=True)
    assert "Rita Conceição" in detail and "256431779" in detail

    unconfirmed = client.post(f"/staff/orders/{order.id}/refund", data={"amount": "10"})
    assert unconfirmed.status_code == 422 and fresh(order).refunded_cents == 0
    too_much = client.post(
        f"/staff/orders/{order.id}/refund", data={"amount": "1000", "confirm": "y"}
    )
    assert too_much.status_code == 422 and "mais do que falta" in too_much.get_data(as_text=True)
    nothing = client.post(f"/staff/orders/{order.id}/refund", data={"amount": "0", "confirm": "y"})
    assert nothing.status_code == 422 and "acima de 0,00" in nothing.get_data(as_text=True)
    # Only what applies to a paid order is offered.
    offered = set(re.findall(r'data-action="(\w+)"', detail))
    assert offered == {"refund", "resend", "buyer"}
    half = order.amount_cents // 2
    refunded = client.post(
        f"/staff/orders/{order.id}/refund",
        data={"amount": f"{half // 100},{half % 100:02d}", "confirm": "y"},
    )
    assert refunded.status_code == 303
    assert fresh(order).refunded_cents == half and fresh(order).status == "paid"
    [entry] = _audit("order.refund")
    assert entry.after["asked_cents"] == half and entry.staff_label == "dona@cafecomvendas.pt"
    # The audit log says it in the team's words: money as money, the state by its name.
    log = client.get("/staff/audit").get_data(as_text=True)
    shown = f"{half // 100},{half % 100:02d}"
    assert f"<dt>valor reembolsado</dt><dd>{shown}" in log
    assert "<dt>estado</dt><dd>Paga</dd>" in log
    assert "asked_cents" not in log and "refunded_cents" not in log

    before = len(messages("email"))
    client.post(f"/staff/orders/{order.id}/resend", data={"confirm": "y"})
    assert len(messages("email")) == before + 1 and _audit("order.resend_confirmation")

    # A typo in the buyer's name and email, corrected: her own ticket follows.
    client.post(
        f"/staff/orders/{order.id}/buyer",
        data={"name": "Rita Conceicão", "email": "rita.c@example.pt"},
    )
    order = fresh(order)
    assert (order.name_on_order, order.email_on_order) == ("Rita Conceicão", "rita.c@example.pt")
    assert [ticket.attendee_name for ticket in order.tickets] == ["Rita Conceicão"]
    [change] = _audit("order.correct_buyer")
    assert change.before["name"] == "Rita Conceição" and change.after["name"] == "Rita Conceicão"


def test_an_unpaid_order_is_cancelled_and_frees_its_seat(client, db):
    token = token_from(check_out(client, email="ana@example.pt", payment_method="multibanco"))
    order = db.session.scalar(select(Order).where(Order.public_token == token))
    sign_in(client, "owner")
    answer = client.post(f"/staff/orders/{order.id}/cancel", data={"confirm": "y"})
    assert answer.status_code == 303
    assert fresh(order).status == "failed" and fresh(order).failure_reason == "cancelled"
    again = client.post(f"/staff/orders/{order.id}/cancel", data={"confirm": "y"})
    assert again.status_code == 422 and "data-action-refused" in again.get_data(as_text=True)


def test_the_door_list_and_its_csv_by_role(app, client, db):
    paid_ticket(RITA)
    paid_ticket(JOAO)
    sign_in(client, "door")
    page = client.get("/staff/attendees").get_data(as_text=True)
    assert page.index("João Alves") < page.index("Rita Conceição")
    answer = client.get("/staff/attendees.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    # Named by Lisbon's clock (an hour ahead of UTC in summer).
    stamp = to_lisbon(utcnow()).strftime("%Y%m%d-")
    assert f'filename="participantes-{stamp}' in answer.headers["Content-Disposition"]
    rows = _rows(answer)
    assert [r["name"] for r in rows] == ["João Alves", "Rita Conceição"]
    assert {"name", "email"} <= set(rows[0]) and "nif" not in rows[0]
    owner = sign_in(app.test_client(), "owner")
    assert _rows(owner.get("/staff/attendees.csv"))[1]["nif"] == "256431779"
    assert len(_audit("export.attendees")) == 2


def test_marketing_sees_and_exports_only_consenting_leads(client, db):
    lead_of("consents@example.pt", consent=True, name="Sim Consente")
    lead_of("refuses@example.pt", consent=False, name="Nao Consente")
    sign_in(client, "marketing")
    page = client.get("/staff/leads").get_data(as_text=True)
    assert "Sim Consente" in page and "Nao Consente" not in page
    rows = _rows(client.get("/staff/leads.csv"))
    assert [r["email"] for r in rows] == ["consents@example.pt"]
    owner = sign_in(client.application.test_client(), "owner")
    assert len(_rows(owner.get("/staff/leads.csv"))) == 2


def test_a_dead_message_is_retried_or_skipped_from_the_outbox_page(client, db):
    pay_by_demo_card(client)
    message = messages("email")[0]
    message.status, message.attempts = OutboxStatus.DEAD, 8
    message.last_error = "550 no such user joao@example.pt"
    db.session.commit()
    ref = only_order().id.hex[:8].upper()
    sign_in(client, "owner")
    page = client.get("/staff/outbox?view=dead").get_data(as_text=True)
    assert f'data-message="{message.id}"' in page and "joao@example.pt" not in page
    # Each row says which order (a link to its page) and which person it is about.
    assert f'data-message-order="{ref}"' in page and "João Conceição" in page
    client.post(f"/staff/outbox/{message.id}/retry", data={"view": "dead"})
    db.session.expire_all()
    retried = db.session.get(OutboxMessage, message.id)
    assert (retried.status, retried.attempts) == ("pending", 0)
    skipped = client.post(f"/staff/outbox/{message.id}/skip", data={"confirm": "y"})
    assert skipped.status_code == 303
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "skipped"
    entries = list(db.session.scalars(select(AuditEntry)))
    assert [e.action for e in entries] == ["outbox.retry", "outbox.skip"]
    assert entries[1].order_id == only_order().id
    # Why it ended, in the team's words: a code is kept, the page says it in Portuguese.
    assert db.session.get(OutboxMessage, message.id).last_error == "skipped_by_team"
    page = client.get("/staff/outbox?view=skipped").get_data(as_text=True)
    assert "Ignorada pela equipa" in page
    assert "skipped_by_team" not in page and "skipped by the team" not in page


def test_the_order_history_and_the_outbox_speak_the_teams_language(client, db):
    pay_by_demo_card(client)
    order = only_order()
    message = messages("email")[0]
    message.status, message.attempts = OutboxStatus.DEAD, 8
    message.last_error = "gave up after 8 attempts: 550 no such user joao@example.pt"
    for number, (provider, kind, result) in enumerate(
        (
            ("stripe", "charge.refunded", "ignored: order is expired"),
            ("ifthenpay", "payment.received", "paid"),
            # A type the team has no words for is shown as it came.
            ("stripe", "payment_intent.requires_action", "noted: card_declined"),
        )
    ):
        db.session.add(
            WebhookEvent(
                provider=provider,
                event_id=f"evt_{number}",
                type=kind,
                order_id=order.id,
                result=result,
            )
        )
    db.session.commit()
    sign_in(client, "owner")
    page = client.get(f"/staff/orders/{order.id}").get_data(as_text=True)
    # Why the order moved, as the team says it; not the codes the history keeps.
    assert "(feita no checkout)" in page and "(paga com cartão (demonstração))" in page
    assert "order_placed" not in page and "demo_card_paid" not in page
    # What each message is and what each payment notification did, in words too.
    assert "Email à compradora: confirmação da encomenda e bilhetes" in page
    assert "email/order_confirmation" not in page
    notices = page.split("data-payment-notices", 1)[1].split("</ul>", 1)[0]
    assert "Stripe: reembolso → ignorada: a encomenda está expirada" in notices
    assert "ifthenpay: pagamento recebido → encomenda paga" in notices
    assert "Stripe: payment_intent.requires_action → registada: cartão recusado" in notices
    page = client.get("/staff/outbox?view=dead").get_data(as_text=True)
    assert "Abandonada após 8 tentativas: 550 no such user" in page
    assert "Email à compradora: confirmação da encomenda e bilhetes" in page
    assert "gave up" not in page and "joao@example.pt" not in page


def test_skipping_a_message_asks_first_and_shows_what_is_given_up(client, db):
    pay_by_demo_card(client)
    order = only_order()
    sign_in(client, "owner")
    client.post(f"/staff/orders/{order.id}/refund", data={"confirm": "y"})
    [credit_note] = [m for m in messages("invoicing") if m.kind == "credit_note"]
    row = client.get("/staff/outbox?view=waiting").get_data(as_text=True)
    # The row's "skip" is a link to the confirmation page, never a one-tap form.
    assert f'href="/staff/outbox/{credit_note.id}/skip?view=waiting" data-skip' in row
    asked = client.get(f"/staff/outbox/{credit_note.id}/skip?view=waiting")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Nota de crédito (InvoiceXpress)" in page and "João Conceição" in page
    assert "invoicing/credit_note" not in page
    assert f'data-message-order="{order.id.hex[:8].upper()}"' in page
    assert "data-skip-document" in page and "não pode ser desfeito" in page
    # Neither the page nor a POST without the box ticked changes anything.
    unconfirmed = client.post(f"/staff/outbox/{credit_note.id}/skip", data={"view": "waiting"})
    assert unconfirmed.status_code == 422
    assert "Assinale a caixa para confirmar." in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    kept = db.session.get(OutboxMessage, credit_note.id)
    assert (kept.status, kept.last_error) == ("pending", None)
    assert _audit("outbox.skip") == []
    # As a browser confirms it: with the page's CSRF token.
    client.application.config["WTF_CSRF_ENABLED"] = True  # reset by `client`
    asked = client.get(f"/staff/outbox/{credit_note.id}/skip?view=waiting")
    confirmed = client.post(
        f"/staff/outbox/{credit_note.id}/skip",
        data={"view": "waiting", "confirm": "y", "csrf_token": csrf_token(asked.text)},
    )
    assert confirmed.headers["Location"] == "/staff/outbox?view=waiting&done=skip"
    assert db.session.get(OutboxMessage, credit_note.id).status == "skipped"
    # Asked again, an ended message offers nothing to skip.
    again = client.get(f"/staff/outbox/{credit_note.id}/skip").get_data(as_text=True)
    assert "data-skip-ended" in again and 'id="skip-form"' not in again


def test_the_dashboard_counts_seats_money_and_the_funnel(client, db):
    # Views are counted outside the database (in this process here): other tests' count too.
    views_before = sum(landing_views(1).values())
    client.get("/")
    client.get("/")
    lead_of("lead@example.pt")
    order = paid_ticket(RITA)
    check_out(client, email="held@example.pt", payment_method="multibanco")
    sign_in(client, "owner")
    client.post(f"/staff/orders/{order.id}/refund", data={"amount": "10", "confirm": "y"})
    page = client.get("/staff/").get_data(as_text=True)
    assert "data-sold>1<" in page and "data-held>1<" in page
    assert "data-funnel" in page and "<svg" in page
    funnel_table = page[page.index("data-funnel-days") :]
    # 2 views, 1 lead, 1 confirmed, 2 checkouts, 1 paid today.
    today_row = funnel_table[funnel_table.index("<tbody>") :]
    cells = today_row.split("</tr>")[0]
    views = str(views_before + 2)
    assert [c.split("<")[0] for c in cells.split("<td>")[1:]] == [views, "1", "1", "2", "1"]
    assert "10,00" in page[page.index("data-refunded") :][:80]


def test_the_audit_log_reaches_the_persons_export_and_forgets_them_on_erasure(client, db):
    order = paid_ticket(RITA)
    sign_in(client, "owner")
    client.post(f"/staff/orders/{order.id}/resend", data={"confirm": "y"})
    exported = export_person(order.customer_id)
    assert [a["action"] for a in exported["back_office_actions"]] == ["order.resend_confirmation"]
    assert "order.resend_confirmation" in client.get("/staff/audit").get_data(as_text=True)
    erase_person(order.customer_id, notify=False, reason="test")
    [entry] = _audit("order.resend_confirmation")
    assert entry.customer_id is None and entry.order_id == order.id


def test_htmx_gets_the_action_form_back_with_what_was_typed(client, db):
    order = paid_ticket(RITA)
    sign_in(client, "owner")
    htmx = {"HX-Request": "true"}
    refund = client.post(f"/staff/orders/{order.id}/refund", data={"amount": "73,50"}, headers=htmx)
    body = refund.get_data(as_text=True)
    assert refund.status_code == 422 and body.lstrip().startswith("<form")
    assert 'value="73,50"' in body and "Assinale a caixa para confirmar." in body
    login = client.post("/staff/login", data={"email": "nope@"}, headers=htmx)
    assert login.status_code == 422
    assert login.get_data(as_text=True).lstrip().startswith("<form")
