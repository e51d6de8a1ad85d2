"""The landing's schema.org Event, built from the event data alone (no app, no database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.catalog.models import Event, Offer
from app.landing.structured_data import EventLinks, event_json_ld, lisbon_iso, script_json

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LINKS = EventLinks(
    page="https://shop.pt/en/",
    images=("https://shop.pt/static/built/og-en.abc.png",),
    home="https://shop.pt/",
    checkout={
        "geral": "https://shop.pt/en/checkout/geral",
        "vip": "https://shop.pt/en/checkout/vip",
    },
)
CONTENT = {
    "title": {"pt_PT": "Café com Vendas", "en": "Coffee & Sales"},
    "tagline": {"pt_PT": "Um dia para vender.", "en": "A day to sell."},
    "venue": {
        "name": "Palácio",
        "address": "Rua A 1, 1600-135 Lisboa",
        "street_address": "Rua A 1",
        "postal_code": "1600-135",
        "locality": "Lisboa",
        "country": "PT",
    },
    "organizer": {"name": "Café com Vendas, Lda.", "email": "ola@example.pt"},
    "speakers": [{"name": "Marta", "role": {"pt_PT": "x", "en": "x"}}],
}


def offer(slug: str, cents: int, **overrides) -> Offer:
    values = {
        "slug": slug,
        "name": {"pt_PT": slug, "en": slug},
        "price_cents": cents,
        "currency": "EUR",
        "vat_rate": Decimal("0.23"),
        "capacity": 10,
        "sales_start": datetime(2026, 10, 1, tzinfo=UTC),
        "sales_end": datetime(2027, 3, 12, tzinfo=UTC),
        "active": True,
        **overrides,
    }
    return Offer(**values)


def event(starts_at: datetime, content: dict | None = None) -> Event:
    return Event(
        slug="e",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=9),
        content=content or CONTENT,
    )


WINTER = datetime(2027, 3, 13, 9, 30, tzinfo=UTC)


def test_event_names_dates_place_and_people_from_the_data():
    data = event_json_ld(event(WINTER), [], "en", LINKS, NOW)
    assert data["@type"] == "Event"
    assert data["name"] == "Coffee & Sales"
    assert data["description"] == "A day to sell."
    assert data["startDate"] == "2027-03-13T09:30:00+00:00"
    assert data["endDate"] == "2027-03-13T18:30:00+00:00"
    assert data["location"]["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Rua A 1",
        "addressLocality": "Lisboa",
        "postalCode": "1600-135",
        "addressCountry": "PT",
    }
    assert data["organizer"] == {
        "@type": "Organization",
        "name": "Café com Vendas, Lda.",
        "url": "https://shop.pt/",
    }
    assert data["performer"] == [{"@type": "Person", "name": "Marta"}]
    assert data["image"] == list(LINKS.images)


def test_summer_dates_carry_lisbon_summer_offset():
    assert lisbon_iso(datetime(2027, 7, 10, 8, 30, tzinfo=UTC)) == "2027-07-10T09:30:00+01:00"
    assert lisbon_iso(datetime(2026, 12, 30, 9, 30, tzinfo=UTC)) == "2026-12-30T09:30:00+00:00"


def test_one_offer_per_ticket_on_sale_with_its_availability():
    off_sale = offer("later", 5000, sales_start=datetime(2027, 1, 1, tzinfo=UTC))
    pairs = [(offer("geral", 14700), 3), (offer("vip", 29700), 0), (off_sale, 10)]
    offers = event_json_ld(event(WINTER), pairs, "en", LINKS, NOW)["offers"]
    assert offers == [
        {
            "@type": "Offer",
            "name": "geral",
            "price": "147.00",
            "priceCurrency": "EUR",
            "availability": "https://schema.org/InStock",
            "validFrom": "2026-10-01T01:00:00+01:00",
            "url": "https://shop.pt/en/checkout/geral",
        },
        {
            "@type": "Offer",
            "name": "vip",
            "price": "297.00",
            "priceCurrency": "EUR",
            "availability": "https://schema.org/SoldOut",
            "validFrom": "2026-10-01T01:00:00+01:00",
            "url": "https://shop.pt/en/checkout/vip",
        },
    ]


def test_one_line_address_stands_in_without_its_parts_and_no_speakers_no_performer():
    content = {**CONTENT, "venue": {"name": "Sala", "address": "Rua B 2, Porto"}, "speakers": []}
    data = event_json_ld(event(WINTER, content), [], "pt_PT", LINKS, NOW)
    assert data["location"]["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Rua B 2, Porto",
        "addressCountry": "PT",
    }
    assert "performer" not in data


def test_script_json_cannot_close_the_script_block():
    text = script_json({"name": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & <!--"}
