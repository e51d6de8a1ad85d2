"""Early-bird prices: an offer sells at a tier's price until its date, then at its own;
the landing page, the checkout, the schema.org Event and the order all agree. Tiers come
from the event data file and from the back office's editor, checked by the same rules."""

from __future__ import annotations

import copy
import html
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from app.catalog.export import event_as_data
from app.catalog.models import EventRevision
from app.catalog.services import CatalogError, current_event, validate_event
from app.catalog.tiers import tier_list
from app.extensions import db as _db
from app.timeutil import to_lisbon
from tests.integration.discount_helpers import early_bird, make_code, offer_named
from tests.integration.helpers import NBSP, only_order, pay_by_demo_card
from tests.integration.staff_helpers import sign_in
from tests.integration.test_event_editor import editor_form
from tests.integration.test_link_previews import event_data, read_head


def _offer_card(page: str, slug: str) -> str:
    start = page.index(f'data-offer="{slug}"')
    return page[start : page.index("</li>", start)]


def test_while_a_tier_runs_the_shop_sells_at_its_price_and_says_until_when(client, db):
    early_bird(9700, timedelta(days=3))
    ends = to_lisbon(tier_list(offer_named().price_tiers)[0][0])
    months = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto"]
    months += ["setembro", "outubro", "novembro", "dezembro"]
    until = f"até {ends.day} de {months[ends.month - 1]}"

    card = _offer_card(client.get("/").text, "bilhete-geral")
    assert f"<s>147,00{NBSP}€</s>" in card and f"97,00{NBSP}€" in card and until in card
    # The other offer has no tier: its price alone.
    assert "<s>" not in _offer_card(client.get("/").text, "bilhete-vip")

    checkout = client.get("/checkout/bilhete-geral").text
    assert f"<s>147,00{NBSP}€</s>" in checkout and until in checkout
    assert f"Pagar 97,00{NBSP}€" in checkout

    offers = {o["url"].rsplit("/", 1)[-1]: o for o in event_data(read_head(client, "/"))["offers"]}
    assert offers["bilhete-geral"]["price"] == "97.00"
    assert offers["bilhete-geral"]["priceValidUntil"].startswith(ends.strftime("%Y-%m-%d"))
    assert offers["bilhete-vip"]["price"] == "297.00"

    pay_by_demo_card(client)
    order = only_order()
    assert (order.amount_cents, order.list_unit_cents, order.discount_cents) == (9700, 9700, 0)


def test_once_the_tier_ends_the_regular_price_is_back_everywhere(client, db):
    early_bird(9700, timedelta(seconds=-1))
    card = _offer_card(client.get("/").text, "bilhete-geral")
    assert "<s>" not in card and f"147,00{NBSP}€" in card
    assert f"Pagar 147,00{NBSP}€" in client.get("/checkout/bilhete-geral").text
    offers = event_data(read_head(client, "/"))["offers"]
    assert offers[0]["price"] == "147.00" and "priceValidUntil" not in offers[0]
    pay_by_demo_card(client)
    assert only_order().amount_cents == 14700


def test_a_code_takes_its_share_of_the_early_bird_price(client, db):
    early_bird(9700, timedelta(days=3))
    make_code("CAFE10", "percent", 10)
    pay_by_demo_card(client, promo_code="cafe10")
    order = only_order()
    assert (order.amount_cents, order.discount_cents, order.list_unit_cents) == (8730, 970, 9700)


def _file_data(event_file: Path) -> dict:
    return yaml.safe_load(event_file.read_text(encoding="utf-8"))


def test_the_data_file_tiers_are_checked_stored_and_exported_back(db, event_file):
    raw = _file_data(event_file)
    raw["offers"][0]["price_tiers"] = [
        {"until": "2026-12-31 23:59", "price": "97.00"},
        {"until": "2027-02-01 00:00", "price": "127.00"},
    ]
    checked = validate_event(raw)
    [first, second] = checked["offers"][0]["price_tiers"]
    assert first == {"until": "2026-12-31T23:59:00+00:00", "price_cents": 9700}
    assert second["price_cents"] == 12700
    assert checked["offers"][1]["price_tiers"] == []

    offer = offer_named()
    offer.price_tiers = checked["offers"][0]["price_tiers"]
    _db.session.commit()
    exported = event_as_data(current_event())["offers"][0]
    assert exported["price_tiers"] == raw["offers"][0]["price_tiers"]
    assert "price_tiers" not in event_as_data(current_event())["offers"][1]


@pytest.mark.parametrize(
    ("tiers", "field", "reason"),
    [
        ([{"until": "2026-12-31 23:59", "price": "147.00"}], "price", "tier_price"),
        ([{"until": "2026-12-31 23:59", "price": "0"}], "price", "tier_price"),
        ([{"until": "31/12/2026", "price": "97"}], "until", "not_a_date"),
        ([{"price": "97"}], "until", "missing"),
        (
            [
                {"until": "2027-01-31 23:59", "price": "97"},
                {"until": "2026-12-31 23:59", "price": "127"},
            ],
            "until",
            "tier_order",
        ),
    ],
)
def test_bad_tiers_in_the_data_file_are_refused_naming_the_field(
    db, event_file, tiers, field, reason
):
    raw = copy.deepcopy(_file_data(event_file))
    raw["offers"][0]["price_tiers"] = tiers
    with pytest.raises(CatalogError) as refused:
        validate_event(raw)
    assert refused.value.reason == reason
    assert refused.value.field.startswith("offers.0.price_tiers.")
    assert refused.value.field.endswith(field)


def test_marketing_sets_an_early_bird_price_in_the_editor(client, db):
    sign_in(client, "marketing")
    form = editor_form(client)
    assert form["offers.0.price_tiers.0.until"] == ""
    bad = client.post(
        "/staff/event",
        data={
            **form,
            "offers.0.price_tiers.0.until": "2026-12-31T23:59",
            "offers.0.price_tiers.0.price": "200,00",
            "headline.en": "Kept here",
        },
    )
    text = html.unescape(bad.get_data(as_text=True))
    assert bad.status_code == 422
    assert "Bilhete 1 — preço antecipado 1 — preço: tem de ser acima de zero" in text
    assert 'id="f-offers.0.price_tiers.0.price"' in text and "Kept here" in text
    assert _db.session.scalar(select(EventRevision)) is None

    saved = client.post(
        "/staff/event",
        data={
            **form,
            "offers.0.price_tiers.0.until": "2026-12-31T23:59",
            "offers.0.price_tiers.0.price": "97,00",
        },
    )
    assert saved.status_code == 303
    draft = _db.session.scalar(select(EventRevision))
    assert draft.content["offers"][0]["price_tiers"] == [
        {"until": "2026-12-31 23:59", "price": "97.00"}
    ]
    assert "price_tiers" not in draft.content["offers"][1]
    assert client.post(f"/staff/event/revisions/{draft.id}/publish").status_code == 303
    assert tier_list(offer_named().price_tiers)[0][1] == 9700
    # The editor shows the tier again, as typed.
    again = editor_form(client)
    assert again["offers.0.price_tiers.0.until"] == "2026-12-31T23:59"
    assert again["offers.0.price_tiers.0.price"] == "97.00"
