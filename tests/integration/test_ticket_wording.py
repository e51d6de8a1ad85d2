"""The words an order says match how many tickets it has: a buyer of two tickets reads of
their seats and their tickets (plural), in Portuguese and in English, on the order page
in each state, in the confirmation and refund emails and on the attendee page; a buyer of
one still reads the singular."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.catalog.models import Offer
from app.extensions import db
from app.orders.models import Order
from app.orders.placing import Attendee, BuyerDetails, PaymentChoice, place_order
from app.timeutil import utcnow
from tests.integration.helpers import (
    checkout_data,
    deliver_until_settled,
    fresh,
    outbox_settings,
    read_eml,
)
from tests.integration.staff_helpers import sign_in

# What each state says, by language, for one ticket and for several.
WORDS = {
    "pt": {
        "waiting_card": ("O seu lugar está reservado até", "Os seus lugares estão reservados até"),
        "waiting_multibanco": (
            "Pague por Multibanco para confirmar o seu lugar",
            "Pague por Multibanco para confirmar os seus lugares",
        ),
        "voucher_hold": ("O seu lugar fica reservado até lá", "Os seus lugares ficam reservados"),
        "expired": ("e o lugar foi libertado", "e os lugares foram libertados"),
        "paid": (
            "Pagamento confirmado: o seu lugar está garantido!",
            "Pagamento confirmado: os seus lugares estão garantidos!",
        ),
        "summary": (
            "<dt>Bilhete</dt><dd data-order-tickets>",
            "<dt>Bilhetes</dt><dd data-order-tickets>",
        ),
        "attendee": ("Imprimir o bilhete<", "Imprimir os bilhetes<"),
    },
    "en": {
        "waiting_card": ("Your seat is held until", "Your seats are held until"),
        "waiting_multibanco": (
            "Pay by Multibanco to confirm your seat<",
            "Pay by Multibanco to confirm your seats<",
        ),
        "voucher_hold": ("Your seat is held until then", "Your seats are held until then"),
        "expired": ("and the seat was released", "and the seats were released"),
        "paid": (
            "Payment confirmed: your seat is yours!",
            "Payment confirmed: your seats are yours!",
        ),
        "summary": (
            "<dt>Ticket</dt><dd data-order-tickets>",
            "<dt>Tickets</dt><dd data-order-tickets>",
        ),
        "attendee": ("Print the ticket<", "Print the tickets<"),
    },
}
PREFIX = {"pt": "", "en": "/en"}
FRIENDS = ("Marta Sousa", "Joana Lopes")


def _offer() -> Offer:
    return db.session.scalar(select(Offer).where(Offer.slug == "bilhete-geral"))


def _buyer(quantity: int, email: str, locale: str = "pt_PT") -> BuyerDetails:
    friends = tuple(Attendee(name) for name in FRIENDS[: quantity - 1])
    return BuyerDetails(
        "Rita Conceição",
        email,
        "+351912345678",
        None,
        locale,
        attendees=(Attendee("Rita Conceição"), *friends) if friends else (),
    )


def _card_order(quantity: int, email: str, locale: str = "pt_PT") -> Order:
    return place_order(
        _offer().id,
        _buyer(quantity, email, locale),
        PaymentChoice("card", "demo", 900),
        quantity=quantity,
    )


def _said(page: str, lang: str, state: str, quantity: int) -> None:
    """The state's words for `quantity` are on the page, and not the other number's."""
    one, several = WORDS[lang][state]
    wanted, unwanted = (one, several) if quantity == 1 else (several, one)
    assert wanted in page, f"{lang} {state} x{quantity}: {wanted!r} missing"
    assert unwanted not in page, f"{lang} {state} x{quantity}: {unwanted!r} shown"


@pytest.mark.parametrize("quantity", [1, 2])
def test_the_order_page_speaks_of_as_many_seats_as_the_order_has(client, db, quantity):
    waiting = _card_order(quantity, f"card{quantity}@example.pt")
    voucher_form = {"quantity": str(quantity), "attendees-0-name": ""}
    voucher_form |= {f"attendees-{n}-name": FRIENDS[n - 1] for n in range(1, quantity)}
    answer = client.post(
        "/checkout/bilhete-geral",
        data=checkout_data(
            email=f"mb{quantity}@example.pt", payment_method="multibanco", **voucher_form
        ),
    )
    assert answer.status_code == 303, answer.text
    voucher = db.session.scalar(select(Order).where(Order.id != waiting.id))
    assert voucher.quantity == quantity and voucher.multibanco_reference

    for lang, prefix in PREFIX.items():
        page = client.get(f"{prefix}/order/{waiting.public_token}").text
        _said(page, lang, "waiting_card", quantity)
        page = client.get(f"{prefix}/order/{voucher.public_token}").text
        _said(page, lang, "waiting_multibanco", quantity)
        _said(page, lang, "voucher_hold", quantity)

    # Past its hold, the page shows the order expired (before the clock moves it).
    waiting.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    for lang, prefix in PREFIX.items():
        _said(client.get(f"{prefix}/order/{waiting.public_token}").text, lang, "expired", quantity)


@pytest.mark.parametrize("quantity", [1, 2])
def test_a_paid_order_and_its_attendee_page_speak_of_its_seats(client, db, quantity):
    order = _card_order(quantity, f"paid{quantity}@example.pt")
    paid = client.post(f"/demo/card/{order.public_token}", data={"cardholder_name": "Rita"})
    assert paid.status_code == 303
    order = fresh(order)
    assert order.status == "paid"
    for lang, prefix in PREFIX.items():
        page = client.get(f"{prefix}/order/{order.public_token}").text
        _said(page, lang, "paid", quantity)
        _said(page, lang, "summary", quantity)
        page = client.get(f"{prefix}/attendee/{order.attendee_token}").text
        _said(page, lang, "attendee", quantity)


# The emails, by the order's language: (one ticket, several).
MAIL_WORDS = {
    "pt_PT": {
        "subject": (
            "O seu bilhete para o Café com Vendas está confirmado",
            "Os seus bilhetes para o Café com Vendas estão confirmados",
        ),
        "heading": ("O seu lugar está confirmado!", "Os seus lugares estão confirmados!"),
        "thanks": (
            "o seu bilhete para o Café com Vendas está confirmado.",
            "os seus bilhetes para o Café com Vendas estão confirmados.",
        ),
        "show": ("Mostre o código QR à entrada", "Mostre cada código QR à entrada"),
        "released": ("O seu lugar foi libertado", "Os seus lugares foram libertados"),
        "label": ("\nBilhete: ", "\nBilhetes: 2 × "),
    },
    "en": {
        "subject": (
            "Your ticket for Café com Vendas is confirmed",
            "Your tickets for Café com Vendas are confirmed",
        ),
        "heading": ("Your seat is confirmed!", "Your seats are confirmed!"),
        "thanks": (
            "your ticket for Café com Vendas is confirmed.",
            "your tickets for Café com Vendas are confirmed.",
        ),
        "show": ("Show the QR code at the door", "Show each QR code at the door"),
        "released": ("Your seat has been released", "Your seats have been released"),
        "label": ("\nTicket: ", "\nTickets: 2 × "),
    },
}


def _check_mail(text: str, locale: str, part: str, quantity: int) -> None:
    one, several = MAIL_WORDS[locale][part]
    wanted, unwanted = (one, several) if quantity == 1 else (several, one)
    assert wanted in text, f"{locale} {part} x{quantity}: {wanted!r} missing"
    assert unwanted not in text, f"{locale} {part} x{quantity}: {unwanted!r} present"


@pytest.mark.parametrize("locale", ["pt_PT", "en"])
@pytest.mark.parametrize("quantity", [1, 2])
def test_the_emails_speak_of_as_many_tickets_as_the_order_has(
    app, client, db, tmp_path, locale, quantity
):
    order = _card_order(quantity, "buyer@example.pt", locale)
    with outbox_settings(app, MAIL_DIR=str(tmp_path), SMTP_URL="", OUTBOX_BACKOFF_SECONDS=0.01):
        client.post(f"/demo/card/{order.public_token}", data={"cardholder_name": "Rita"})
        deliver_until_settled("email")
        [confirmation] = read_eml(tmp_path)
        _check_mail(str(confirmation["Subject"]), locale, "subject", quantity)
        html = confirmation.get_body(preferencelist=("html",)).get_content()
        text = confirmation.get_body(preferencelist=("plain",)).get_content()
        _check_mail(html, locale, "heading", quantity)
        for body in (html, text):
            _check_mail(body, locale, "thanks", quantity)
            _check_mail(body, locale, "show", quantity)
        _check_mail(text, locale, "label", quantity)

        sign_in(client, "owner")
        refunded = client.post(f"/staff/orders/{order.id}/refund", data={"confirm": "y"})
        assert refunded.status_code == 303 and fresh(order).status == "refunded"
        deliver_until_settled("email")
        [notice] = [m for m in read_eml(tmp_path) if m["Message-ID"] != confirmation["Message-ID"]]
        for part in ("html", "plain"):
            body = notice.get_body(preferencelist=(part,)).get_content()
            _check_mail(body, locale, "released", quantity)
