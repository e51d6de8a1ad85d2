import pytest

from app.web.input_rules import (
    InvalidNif,
    InvalidPhone,
    format_phone_for_display,
    normalize_nif,
    normalize_phone,
)


@pytest.mark.parametrize(
    "typed",
    ["912 345 678", "912345678", "+351 912 345 678", "00351912345678", "+351912345678"],
)
def test_portuguese_mobiles_in_the_forms_people_type(typed):
    assert normalize_phone(typed, require_pt_mobile=True) == "+351912345678"


def test_landline_is_valid_but_not_for_mb_way():
    assert normalize_phone("213 456 789") == "+351213456789"
    with pytest.raises(InvalidPhone):
        normalize_phone("213 456 789", require_pt_mobile=True)


def test_foreign_mobile_is_accepted_for_card():
    assert normalize_phone("+44 7400 123456") == "+447400123456"


@pytest.mark.parametrize("typed", ["", "123", "abc", "91234"])
def test_invalid_phones(typed):
    with pytest.raises(InvalidPhone):
        normalize_phone(typed)


def test_nif_check_digit():
    assert normalize_nif("123456789") == "123456789"
    assert normalize_nif("PT 123 456 789") == "123456789"
    assert normalize_nif("") is None
    with pytest.raises(InvalidNif):
        normalize_nif("123456780")
    with pytest.raises(InvalidNif):
        normalize_nif("12345")


def test_phone_display():
    assert format_phone_for_display("+351912345678") == "+351 912 345 678"
