"""The rules an edit of the shop's wording must keep, for a plural message's forms: each
form keeps the placeholders of its own English source, so a singular written without
the number ("your seat") stays possible while the plural must show it."""

from __future__ import annotations

import pytest

from app.wording.messages import CatalogMessage, EditRefused, check_edit, kind_matches

ONLY = CatalogMessage(
    "Only one seat is left.",
    {"pt_PT": "Resta só um lugar.", "en": "Only one seat is left."},
    plural="Only %(num)d seats are left.",
    plural_texts={
        ("pt_PT", 0): "Resta só um lugar.",
        ("pt_PT", 1): "Restam só %(num)d lugares.",
        ("en", 0): "Only one seat is left.",
        ("en", 1): "Only %(num)d seats are left.",
    },
)


def test_the_singular_form_may_leave_out_a_number_its_source_leaves_out():
    assert check_edit(ONLY, " Último lugar! ", 0) == "Último lugar!"
    with pytest.raises(EditRefused) as refused:
        check_edit(ONLY, "Restam %(num)d lugares.", 0)
    assert refused.value.reason == "placeholders"


def test_the_plural_form_must_keep_the_plural_sources_number():
    assert check_edit(ONLY, "Restam %(num)d lugares!", 1) == "Restam %(num)d lugares!"
    for text in ("Restam poucos lugares.", "Restam %(num)d de %(num)d lugares."):
        with pytest.raises(EditRefused) as refused:
            check_edit(ONLY, text, 1)
        assert refused.value.reason == "placeholders"


def test_a_plural_message_has_a_slot_per_language_and_form():
    assert ONLY.slots == [("pt_PT", 0), ("pt_PT", 1), ("en", 0), ("en", 1)]
    assert ONLY.placeholders_of(0) == [] and ONLY.placeholders_of(1) == ["%(num)d"]
    assert ONLY.catalog_text("pt_PT", 1) == "Restam só %(num)d lugares."


def test_a_text_kept_for_the_other_kind_of_message_no_longer_applies():
    singular = CatalogMessage("Buy now", {"pt_PT": "Comprar", "en": "Buy now"})
    assert kind_matches(singular, None) and not kind_matches(singular, 0)
    assert kind_matches(ONLY, 1) and not kind_matches(ONLY, None)
    assert not kind_matches(None, None)
