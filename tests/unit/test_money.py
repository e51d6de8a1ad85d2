from decimal import Decimal

import pytest

from app.money import cents_to_decimal, decimal_to_cents, format_money, parse_euros, vat_included

NBSP = "\u00a0"


def test_portuguese_format_uses_no_break_spaces():
    assert format_money(123456, "pt_PT") == f"1{NBSP}234,56{NBSP}€"


def test_english_format():
    assert format_money(14700, "en") == "€147.00"


def test_small_amount_in_portuguese():
    assert format_money(5, "pt_PT") == f"0,05{NBSP}€"


def test_vat_is_derived_from_the_vat_inclusive_price():
    # 147,00 € with 23 % VAT: net 119,51 €, VAT 27,49 €.
    assert vat_included(14700, Decimal("0.23")) == 2749
    assert vat_included(14700, Decimal("0")) == 0


def test_cents_round_trip_exactly():
    assert cents_to_decimal(14700) == Decimal("147.00")
    assert decimal_to_cents("147.005") == 14701
    assert decimal_to_cents(Decimal("0.1") + Decimal("0.2")) == 30


def test_floats_are_refused():
    with pytest.raises(TypeError):
        decimal_to_cents(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        cents_to_decimal(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "cents"),
    [("49.50", 4950), ("49,50", 4950), ("50", 5000), (" 147,00 € ", 14700), ("0.01", 1)],
)
def test_amounts_typed_by_a_person_become_cents(typed, cents):
    assert parse_euros(typed) == cents


@pytest.mark.parametrize("typed", ["abc", "", "-5", "0", "1.005", "NaN", "Infinity"])
def test_nonsense_amounts_are_refused(typed):
    with pytest.raises(ValueError):
        parse_euros(typed)
