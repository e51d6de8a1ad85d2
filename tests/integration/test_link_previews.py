"""Link previews and rich results on the landing: what a social network or a search engine
reads from the page's head, in each language, and the preview picture it fetches."""

from __future__ import annotations

import json
from datetime import datetime
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import select

from app.catalog.models import Event, Offer
from tests.integration.helpers import check_out

BASE = "http://shop.test"
LISBON = ZoneInfo("Europe/Lisbon")
UTC = ZoneInfo("UTC")
SCHEMA = "https://schema.org/"
PAGES = {
    "/": {"locale": "pt_PT", "alternate": "en_GB", "lang": "pt_PT"},
    "/en/": {"locale": "en_GB", "alternate": "pt_PT", "lang": "en"},
}


class Head(HTMLParser):
    """The <head> as a crawler reads it: meta tags by name/property, links, JSON-LD blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.json_ld: list[str] = []
        self.json_ld_nonces: list[str | None] = []
        self._in_head = False
        self._in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "head":
            self._in_head = True
        elif self._in_head and tag == "meta" and ("property" in found or "name" in found):
            key = found.get("property") or found["name"]
            self.meta.setdefault(key, []).append(found.get("content", ""))
        elif self._in_head and tag == "link":
            self.links.append(found)
        elif self._in_head and tag == "script" and found.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")
            self.json_ld_nonces.append(found.get("nonce"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        elif tag == "script":
            self._in_json_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.json_ld[-1] += data

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, f"{key}: {values}"
        return values[0]


def read_head(client, url: str) -> Head:
    response = client.get(url)
    assert response.status_code == 200
    head = Head()
    head.feed(response.text)
    return head


def event_data(head: Head) -> dict:
    assert len(head.json_ld) == 1, "exactly one JSON-LD block in the head"
    return json.loads(head.json_ld[0])


def lisbon_offset(stamp: str) -> str:
    """The offset Lisbon really has at the wall-clock time `stamp` names."""
    moment = datetime.fromisoformat(stamp)
    local = moment.replace(tzinfo=None).replace(tzinfo=LISBON)
    return local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:]


def assert_google_event_rules(data: dict, page_url: str) -> None:
    """What Google's Event rich results require and recommend, as schema.org spells it."""
    assert data["@context"] in ("https://schema.org", "https://schema.org/")
    assert data["@type"] == "Event"
    # Required: name, startDate, location (a Place with a PostalAddress).
    assert data["name"]
    for key in ("startDate", "endDate"):
        stamp = datetime.fromisoformat(data[key])
        assert stamp.tzinfo is not None, f"{key} carries an offset"
        assert data[key].endswith(("+00:00", "+01:00")), data[key]
        assert data[key][-6:] == lisbon_offset(data[key]), f"{key} has Lisbon's offset that day"
    assert datetime.fromisoformat(data["endDate"]) > datetime.fromisoformat(data["startDate"])
    location = data["location"]
    assert location["@type"] == "Place" and location["name"]
    address = location["address"]
    assert address["@type"] == "PostalAddress"
    for key in ("streetAddress", "addressLocality", "postalCode"):
        assert address[key], key
    assert address["addressCountry"] == "PT"
    # Recommended.
    assert data["description"]
    assert data["eventStatus"] == SCHEMA + "EventScheduled"
    assert data["eventAttendanceMode"] == SCHEMA + "OfflineEventAttendanceMode"
    assert data["image"] and all(urlsplit(url).scheme in ("http", "https") for url in data["image"])
    assert data["organizer"]["@type"] == "Organization"
    assert data["organizer"]["name"] and data["organizer"]["url"].startswith(BASE)
    assert data["performer"] and all(
        p["@type"] == "Person" and p["name"] for p in data["performer"]
    )
    assert data["url"] == page_url
    assert data["offers"], "each ticket on sale is an Offer"
    for offer in data["offers"]:
        assert offer["@type"] == "Offer"
        assert isinstance(offer["price"], str) and offer["price"].count(".") == 1
        assert len(offer["price"].split(".")[1]) == 2
        assert offer["priceCurrency"] == "EUR"
        assert offer["availability"] in (SCHEMA + "InStock", SCHEMA + "SoldOut")
        assert datetime.fromisoformat(offer["validFrom"]).tzinfo is not None
        assert offer["url"].startswith(BASE + "/")


@pytest.mark.parametrize("url", PAGES)
def test_share_tags_in_each_language(client, db, url):
    head = read_head(client, url)
    expected = PAGES[url]
    # The date as the event writes it in this language ("sábado, 13 de março de 2027").
    expected["date"] = db.session.scalar(select(Event)).text("date_label", expected["lang"])
    page_url = BASE + url
    assert head.one("og:type") == "website"
    assert head.one("og:site_name") == "Café com Vendas"
    assert head.one("og:url") == page_url
    assert head.one("og:title").startswith("Café com Vendas")
    assert expected["date"] in head.one("og:title")
    assert head.one("og:description")
    assert head.one("og:locale") == expected["locale"]
    assert head.one("og:locale:alternate") == expected["alternate"]
    assert head.one("og:image").startswith(BASE + "/static/built/og-")
    assert head.one("og:image:width") == "1200"
    assert head.one("og:image:height") == "630"
    assert expected["date"] in head.one("og:image:alt")
    assert head.one("twitter:card") == "summary_large_image"
    assert head.one("twitter:title") == head.one("og:title")
    assert head.one("twitter:description") == head.one("og:description")
    assert head.one("twitter:image") == head.one("og:image")
    canonical = [link["href"] for link in head.links if link.get("rel") == "canonical"]
    assert canonical == [page_url]
    hreflang = {link["hreflang"]: link["href"] for link in head.links if "hreflang" in link}
    assert hreflang == {"pt-PT": BASE + "/", "en": BASE + "/en/", "x-default": BASE + "/"}


@pytest.mark.parametrize("url", PAGES)
def test_preview_image_is_a_1200_by_630_picture_cached_for_a_year(client, url):
    image_url = read_head(client, url).one("og:image")
    response = client.get(urlsplit(image_url).path)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    picture = Image.open(BytesIO(response.data))
    assert picture.format == "PNG"
    assert picture.size == (1200, 630)


def test_each_language_has_its_own_picture(client):
    assert read_head(client, "/").one("og:image") != read_head(client, "/en/").one("og:image")


@pytest.mark.parametrize("url", PAGES)
def test_event_json_ld_meets_the_rich_result_rules(client, url):
    head = read_head(client, url)
    data = event_data(head)
    assert_google_event_rules(data, BASE + url)
    assert head.json_ld_nonces[0], "the block carries the page's CSP nonce"
    assert data["image"] == [head.one("og:image")]
    prices = {offer["url"].rsplit("/", 1)[1]: offer["price"] for offer in data["offers"]}
    assert prices == {"bilhete-geral": "147.00", "bilhete-vip": "297.00"}
    assert all(offer["availability"] == SCHEMA + "InStock" for offer in data["offers"])


def test_event_json_ld_follows_the_event_data(client, db):
    data = event_data(read_head(client, "/en/"))
    assert data["name"] == "Café com Vendas"
    assert data["location"]["address"]["postalCode"] == "1600-135"
    assert [p["name"] for p in data["performer"]] == ["Marta Figueiredo", "Inês Carvalho"]
    assert data["offers"][0]["url"] == BASE + "/en/checkout/bilhete-geral"
    pt = event_data(read_head(client, "/"))
    assert pt["offers"][0]["url"] == BASE + "/checkout/bilhete-geral"
    event = db.session.scalar(select(Event))
    event.content = {**event.content, "title": {"pt_PT": "Café & <Vendas>", "en": "Café"}}
    db.session.commit()
    response = client.get("/")
    # Markup in the event's text cannot end the block early: <, > and & are escaped.
    assert "Café \\u0026 \\u003cVendas\\u003e" in response.text
    assert event_data(read_head(client, "/"))["name"] == "Café & <Vendas>"


@pytest.mark.parametrize(
    ("lisbon_start", "offset"),
    [("2027-03-13T09:30", "+00:00"), ("2027-07-10T09:30", "+01:00")],
)
def test_start_date_carries_lisbon_offset_of_the_day(client, db, lisbon_start, offset):
    event = db.session.scalar(select(Event))
    start = datetime.fromisoformat(lisbon_start).replace(tzinfo=LISBON)
    event.starts_at = start.astimezone(UTC)
    event.ends_at = start.replace(hour=18).astimezone(UTC)
    db.session.commit()
    data = event_data(read_head(client, "/"))
    assert data["startDate"] == f"{lisbon_start}:00{offset}"
    assert data["endDate"] == f"{lisbon_start[:10]}T18:30:00{offset}"


def test_availability_flips_to_sold_out_when_the_seats_are_taken(client, db):
    offer = db.session.scalar(select(Offer).where(Offer.slug == "bilhete-vip"))
    offer.capacity = 1
    db.session.commit()
    check_out(client, slug="bilhete-vip")
    for url in PAGES:
        offers = {
            o["url"].rsplit("/", 1)[1]: o for o in event_data(read_head(client, url))["offers"]
        }
        assert offers["bilhete-vip"]["availability"] == SCHEMA + "SoldOut", url
        assert offers["bilhete-geral"]["availability"] == SCHEMA + "InStock", url


def test_offers_off_sale_are_left_out(client, db):
    offer = db.session.scalar(select(Offer).where(Offer.slug == "bilhete-vip"))
    offer.sales_start = datetime(2099, 1, 1, tzinfo=UTC)
    db.session.commit()
    offers = event_data(read_head(client, "/"))["offers"]
    assert [o["url"] for o in offers] == [BASE + "/checkout/bilhete-geral"]
