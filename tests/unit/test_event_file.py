from pathlib import Path

import pytest
import yaml

from app.catalog.services import CatalogError, parse_event_file

REAL = Path(__file__).resolve().parents[2] / "app" / "catalog" / "event.yaml"


def _write(tmp_path, mutate):
    data = yaml.safe_load(REAL.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "event.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_event_file_is_valid():
    parsed = parse_event_file(REAL)
    assert parsed["event"]["slug"]
    assert {o["slug"] for o in parsed["offers"]} == {"bilhete-geral", "bilhete-vip"}
    general = next(o for o in parsed["offers"] if o["slug"] == "bilhete-geral")
    assert general["price_cents"] == 14700
    # Lisbon wall-clock 09:30 in March is 09:30 UTC (winter time).
    assert parsed["event"]["starts_at"].isoformat() == "2027-03-13T09:30:00+00:00"


def test_prices_become_integer_cents(tmp_path):
    path = _write(tmp_path, lambda d: d["offers"][0].update(price="97.5"))
    assert parse_event_file(path)["offers"][0]["price_cents"] == 9750


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("starts_at"), "starts_at"),
        (lambda d: d.update(starts_at="13/03/2027"), "not a date"),
        (lambda d: d["offers"][0]["name"].pop("en"), "pt_PT and en"),
        (lambda d: d["offers"][0].update(capacity=-1), "capacity"),
        (lambda d: d["offers"][0].update(price="abc"), "numbers"),
        (lambda d: d["offers"][1].update(slug=d["offers"][0]["slug"]), "twice"),
    ],
)
def test_mistakes_are_reported_clearly(tmp_path, mutate, message):
    with pytest.raises(CatalogError, match=message):
        parse_event_file(_write(tmp_path, mutate))


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        parse_event_file(tmp_path / "nope.yaml")


def test_headline_variants_are_read_with_the_event():
    variants = parse_event_file(REAL)["event"]["content"]["headline_variants"]
    assert [v["id"] for v in variants] == ["a", "b"]


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        ("just one headline", "must be a list"),
        ([{"id": "a", "pt_PT": "Olá"}], "pt_PT and en"),
        ([{"id": "A B", "pt_PT": "Olá", "en": "Hi"}], "lowercase"),
        ([{"id": "a", "pt_PT": "Olá", "en": "Hi"}, {"id": "a", "pt_PT": "2", "en": "2"}], "twice"),
    ],
)
def test_bad_headline_variants_are_refused_with_the_reason(tmp_path, variants, message):
    path = _write(tmp_path, lambda d: d.update(headline_variants=variants))
    with pytest.raises(CatalogError, match=message):
        parse_event_file(path)


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (lambda d: d["title"].update(pt_PT=""), "title.pt_PT", "both_languages"),
        (lambda d: d.update(ends_at="2027-03-13 08:00"), "ends_at", "end_before_start"),
        (lambda d: d["offers"][1].update(price="-1"), "offers.1.price", "price"),
        (lambda d: d["offers"][0].update(capacity="many"), "offers.0.capacity", "capacity"),
        (lambda d: d["agenda"][2].update(time="9h"), "agenda.2.time", "not_a_time"),
        (lambda d: d["faq"][0]["answer"].pop("en"), "faq.0.answer.en", "both_languages"),
        (
            lambda d: d["offers"][0].update(sales_end="2026-01-01 00:00"),
            "offers.0.sales_end",
            "end_before_start",
        ),
        # The start moved, the date people read left as it was ("13 de março de 2027").
        (
            lambda d: d.update(starts_at="2027-01-16 09:30", ends_at="2027-01-16 18:30"),
            "date_label.pt_PT",
            "date_label",
        ),
        (
            lambda d: d["date_label"].update(en="Saturday, 14 March 2027"),
            "date_label.en",
            "date_label",
        ),
        (
            lambda d: d["date_label"].update(pt_PT="sábado, 13 de abril de 2027"),
            "date_label.pt_PT",
            "date_label",
        ),
    ],
)
def test_each_refusal_names_the_field_for_the_editor(tmp_path, mutate, field, reason):
    # The back office's editor shows the error on the input of that dotted name.
    with pytest.raises(CatalogError) as refused:
        parse_event_file(_write(tmp_path, mutate))
    assert (refused.value.field, refused.value.reason) == (field, reason)


def test_tickets_per_order_default_to_five_and_are_read_from_the_file(tmp_path):
    general, vip = parse_event_file(REAL)["offers"]
    assert (general["max_per_order"], vip["max_per_order"]) == (5, 5)
    path = _write(tmp_path, lambda d: d["offers"][0].pop("max_per_order"))
    assert parse_event_file(path)["offers"][0]["max_per_order"] == 5
    path = _write(tmp_path, lambda d: d["offers"][1].update(max_per_order=2))
    assert parse_event_file(path)["offers"][1]["max_per_order"] == 2


@pytest.mark.parametrize("bad", [0, 6, -1, "three", 2.5, True])
def test_tickets_per_order_outside_one_to_five_are_refused(tmp_path, bad):
    with pytest.raises(CatalogError, match="max_per_order") as refused:
        parse_event_file(_write(tmp_path, lambda d: d["offers"][0].update(max_per_order=bad)))
    assert refused.value.field == "offers.0.max_per_order"


def test_a_date_label_may_word_the_day_its_own_way(tmp_path):
    def reworded(data):
        data["date_label"] = {"pt_PT": "Sábado, 13 de Março de 2027 · 9h30", "en": "13 March 2027"}

    assert parse_event_file(_write(tmp_path, reworded))["event"]["slug"]
