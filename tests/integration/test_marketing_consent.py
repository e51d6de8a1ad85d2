"""Marketing consent that stays true: asked for at the checkout (double opt-in, as the
lead form does), withdrawn by Kit's webhook (unsubscribe, bounce, complaint).

Kit is a local HTTP double (tests/http_doubles.py) and its webhook deliveries are signed
as Kit signs them; email goes to .eml files read back like a mailbox.
"""

from __future__ import annotations

import email.message
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.customers.services import find_customer_by_email
from app.extensions import db as _db
from app.leads.models import Lead, LeadChange
from app.outbox.models import OutboxMessage
from app.timeutil import as_utc
from app.web.webhook_failures import WebhookFailure
from tests.http_doubles import kit_signature, kit_webhook_delivery
from tests.integration.helpers import (
    check_out,
    checkout_data,
    deliver_until_settled,
    lead_data,
    pay_by_demo_card,
    read_eml,
)
from tests.integration.integrations import lead_of

SECRET = "kit-webhook-test-secret"
BUYER = "joao@example.pt"


@pytest.fixture
def kit(app, shop):
    """The shop with Kit's webhook secret set; Kit and the mailbox from `shop`."""
    saved = app.config.get("KIT_WEBHOOK_SECRET")
    app.config["KIT_WEBHOOK_SECRET"] = SECRET
    yield shop
    app.config["KIT_WEBHOOK_SECRET"] = saved


def _lead(address: str = BUYER) -> Lead | None:
    _db.session.rollback()
    customer = find_customer_by_email(address)
    return customer.lead if customer else None


def _changes() -> list[LeadChange]:
    _db.session.rollback()
    return list(_db.session.scalars(select(LeadChange).order_by(LeadChange.id)))


def _confirmation_mails(shop: SimpleNamespace, address: str = BUYER) -> list:
    return [
        mail
        for mail in read_eml(shop.mail)
        if address in mail["To"] and "/leads/confirm/" in _text(mail)
    ]


def _text(mail: email.message.EmailMessage) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def _link(mail: email.message.EmailMessage) -> str:
    return re.search(r"http://shop\.test(/\S*leads/confirm/\S+)", _text(mail)).group(1)


def _consenting_lead(client, shop, address: str = BUYER) -> Lead:
    """A person who left the lead form with the box ticked and confirmed it by email;
    Kit has her."""
    client.post("/leads", data=lead_data(email=address, marketing_consent="y"))
    deliver_until_settled()
    [mail] = _confirmation_mails(shop, address)
    assert client.post(_link(mail)).status_code == 303
    deliver_until_settled()
    assert shop.kit.subscribers[address]["state"] == "active"
    return _lead(address)


def _tell(client, events, secret: str = SECRET, **delivery):
    body, headers = kit_webhook_delivery(secret, events, **delivery)
    return client.post("/webhooks/kit", data=body, headers=headers)


def _failures() -> int:
    _db.session.rollback()
    return _db.session.scalar(
        select(func.count(WebhookFailure.id)).where(WebhookFailure.provider == "kit")
    )


# -- the checkout's box -------------------------------------------------------------------


def test_the_box_is_offered_unticked_and_a_bad_form_keeps_it_as_typed(client, db):
    page = client.get("/checkout/bilhete-geral").text
    box = re.search(r'<input[^>]*name="marketing_consent"[^>]*>', page).group(0)
    assert 'type="checkbox"' in box and "checked" not in box
    assert "Quero receber novidades e ofertas do Café com Vendas por email." in page

    refused = client.post(
        "/checkout/bilhete-geral", data=checkout_data(name="", marketing_consent="y")
    )
    assert refused.status_code == 422
    box = re.search(r'<input[^>]*name="marketing_consent"[^>]*>', refused.text).group(0)
    assert "checked" in box
    assert _changes() == []


def test_ticked_box_asks_by_email_and_only_the_link_switches_consent_on(client, kit):
    pay_by_demo_card(client, marketing_consent="y")
    [change] = _changes()
    assert change.source == "checkout"
    assert change.marketing_consent and change.applied_at is None
    assert change.created_at is not None
    lead = _lead()
    assert lead.marketing_consent is False and lead.marketing_consent_at is None

    deliver_until_settled()
    # Paid, but not yet confirmed: Kit has not heard of her.
    assert kit.kit.subscribers == {}
    [mail] = _confirmation_mails(kit)
    assert mail["Subject"] == "Confirme o seu email para o Café com Vendas"
    assert "Ao comprar o seu bilhete, pediu para receber novidades" in _text(mail)
    link = _link(mail)
    page = client.get(link)
    assert "data-confirm-lead" in page.text
    assert "Tipo de negócio" not in page.text  # the checkout asked for no business
    assert _lead().marketing_consent is False  # opening the link is not confirming

    assert client.post(link).status_code == 303
    lead = _lead()
    assert lead.marketing_consent is True
    assert lead.marketing_consent_at is not None and lead.confirmed_at is not None
    deliver_until_settled()
    assert kit.kit.subscribers[BUYER]["state"] == "active"
    assert "jornada:lead" in kit.kit.tags_of(BUYER)


def test_unticked_box_changes_nothing_and_never_switches_consent_off(client, kit):
    pay_by_demo_card(client, email="nova@example.pt")
    assert _lead("nova@example.pt") is None
    assert _changes() == []

    lead = _consenting_lead(client, kit)
    before = len(_changes())
    check_out(client)  # the box left unticked by someone who already consents
    assert len(_changes()) == before
    assert _lead().marketing_consent is True
    assert as_utc(_lead().marketing_consent_at) == as_utc(lead.marketing_consent_at)
    deliver_until_settled()
    assert len(_confirmation_mails(kit)) == 1


def test_a_buyer_who_already_consents_gets_no_second_email(client, kit):
    _consenting_lead(client, kit)
    before = len(_changes())
    check_out(client, marketing_consent="y")
    assert len(_changes()) == before
    deliver_until_settled()
    assert len(_confirmation_mails(kit)) == 1


def test_the_box_ticked_twice_sends_one_link_while_it_works(client, kit):
    check_out(client, marketing_consent="y")
    check_out(client, marketing_consent="y", email="JOAO@example.pt ")
    assert len(_changes()) == 1
    deliver_until_settled()
    assert len(_confirmation_mails(kit)) == 1


# -- Kit's webhook --------------------------------------------------------------------------


def test_kit_unsubscribe_withdraws_consent_with_time_and_reason_and_tells_kit_nothing(client, kit):
    _consenting_lead(client, kit)
    kit.kit.seen.clear()
    before = datetime.now(UTC)
    answer = _tell(client, [("subscriber.unsubscribed", BUYER)])
    assert answer.status_code == 200
    assert answer.json["results"] == ["withdrawn"]

    lead = _lead()
    assert lead.marketing_consent is False
    assert lead.marketing_consent_at is None
    assert before <= as_utc(lead.marketing_withdrawn_at) <= datetime.now(UTC)
    assert lead.marketing_withdrawn_reason == "kit:unsubscribed"
    deliver_until_settled()
    # No unsubscribe (nor anything else) goes back to Kit: it told us.
    assert kit.kit.seen == []
    assert not _db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.channel == "kit", OutboxMessage.kind == "unsubscribe"
        )
    ).all()


def test_a_later_lead_form_or_an_older_link_does_not_resurrect_it(client, kit):
    _consenting_lead(client, kit)
    # A link asked for before the unsubscribe, still in her inbox.
    client.post("/leads", data=lead_data(email=BUYER, name="Ana Nova", marketing_consent="y"))
    deliver_until_settled()
    older_link = _link(_confirmation_mails(kit)[-1])
    assert _tell(client, [("subscriber.unsubscribed", BUYER)]).status_code == 200

    client.post("/leads", data=lead_data(email=BUYER))  # the box left unticked
    deliver_until_settled()
    assert client.post(_link(_confirmation_mails(kit)[-1])).status_code == 303
    assert _lead().marketing_consent is False
    assert client.post(older_link).status_code == 303
    lead = _lead()
    assert lead.marketing_consent is False
    assert lead.customer.name == "Ana Nova"  # the rest of that submission still applies
    # Its page says what she has now, not what that older link asked for.
    assert "Não lhe vamos enviar novidades" in client.get(older_link).text
    deliver_until_settled()
    assert kit.kit.subscribers[BUYER]["state"] == "active"  # the double's; we sent nothing
    assert not kit.kit.calls("POST", "/v4/subscribers/\\d+/unsubscribe")


@pytest.mark.parametrize(
    ("event_type", "reason"),
    [("subscriber.bounced", "kit:bounced"), ("subscriber.complained", "kit:complained")],
)
def test_bounces_and_complaints_withdraw_consent_too(client, kit, event_type, reason):
    _consenting_lead(client, kit)
    assert _tell(client, [(event_type, BUYER.upper())]).status_code == 200
    lead = _lead()
    assert lead.marketing_consent is False
    assert lead.marketing_withdrawn_reason == reason


def test_repeats_change_nothing_and_an_old_event_does_not_undo_a_newer_consent(client, kit):
    _consenting_lead(client, kit)
    body, headers = kit_webhook_delivery(SECRET, [("subscriber.unsubscribed", BUYER)])
    assert client.post("/webhooks/kit", data=body, headers=headers).json["results"] == ["withdrawn"]
    first = _lead().marketing_withdrawn_at
    again = client.post("/webhooks/kit", data=body, headers=headers)
    assert again.status_code == 200
    assert again.json["results"] == ["already withdrawn"]
    assert _lead().marketing_withdrawn_at == first

    # She asks again, after the unsubscribe, and confirms: consent is on once more...
    client.post("/leads", data=lead_data(email=BUYER, marketing_consent="y"))
    deliver_until_settled()
    assert client.post(_link(_confirmation_mails(kit)[-1])).status_code == 303
    assert _lead().marketing_consent is True
    # ...and a late retry of an event from before that changes nothing.
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    late = _tell(client, [("subscriber.unsubscribed", BUYER)], created=yesterday)
    assert late.json["results"] == ["older than the consent"]
    assert _lead().marketing_consent is True


def test_an_unknown_address_or_another_event_is_answered_200_and_changes_nothing(client, kit):
    _consenting_lead(client, kit)
    answer = _tell(
        client,
        [("subscriber.unsubscribed", "nobody@example.pt"), ("subscriber.created", BUYER)],
    )
    assert answer.status_code == 200
    assert answer.json["results"] == ["unknown"]
    assert _lead().marketing_consent is True


def _forged(client, kind: str):
    body, headers = kit_webhook_delivery(SECRET, [("subscriber.unsubscribed", BUYER)])
    if kind == "no signature":
        del headers["X-Kit-Signature"]
    elif kind == "another secret":
        body, headers = kit_webhook_delivery("not-our-secret", [("subscriber.unsubscribed", BUYER)])
    elif kind == "replayed":
        body, headers = kit_webhook_delivery(
            SECRET, [("subscriber.unsubscribed", BUYER)], signed_at=1_700_000_000
        )
    elif kind == "altered":
        body = body.replace(b"subscriber.unsubscribed", b"subscriber.complained")
    return client.post("/webhooks/kit", data=body, headers=headers)


def test_a_delivery_not_signed_by_kit_is_refused_403_counted_and_changes_nothing(
    app, csrf_client, kit
):
    # csrf_client: Kit sends no CSRF token, and the endpoint needs none.
    lead_of(BUYER)
    kinds = ["no signature", "another secret", "replayed", "altered"]
    for kind in kinds:
        answer = _forged(csrf_client, kind)
        assert answer.status_code == 403, kind
    assert _failures() == len(kinds)
    assert _lead().marketing_consent is True

    app.config["KIT_WEBHOOK_SECRET"] = ""
    # Without the secret set nobody can be told apart from Kit.
    assert _tell(csrf_client, [("subscriber.unsubscribed", BUYER)]).status_code == 403
    assert _failures() == len(kinds) + 1
    assert _lead().marketing_consent is True

    app.config["KIT_WEBHOOK_SECRET"] = SECRET
    assert _tell(csrf_client, [("subscriber.unsubscribed", BUYER)]).status_code == 200
    assert _lead().marketing_consent is False


def test_a_signed_but_unreadable_delivery_is_refused_400_and_counted(client, kit):
    body = b'{"events": "not a list"}'
    headers = {"Content-Type": "application/json", "X-Kit-Signature": kit_signature(SECRET, body)}
    assert client.post("/webhooks/kit", data=body, headers=headers).status_code == 400
    assert _failures() == 1
