"""Rules for what comes in: names in any script, the hosts the shop answers, debug off."""

from __future__ import annotations

import pytest

from app.config import (
    TEST_BLIND_INDEX_KEY,
    TEST_DATA_KEYS,
    ConfigurationError,
    default_trusted_hosts,
    load_settings,
)
from app.web.input_rules import InvalidName, check_name


@pytest.mark.parametrize(
    "name",
    [
        "João Conceição",
        "Ana-Sofia D'Ávila",
        "Ana-Sofia D’Ávila",
        "Zoë Ümlaut-Ñúñez",
        "Maria J. Reis",
        "李小龍",
        "Αλέξανδρος",
        "Владимир",
        "देवनागरी",  # combining vowel signs are marks, not letters
        "Joa\u0303o",  # decomposed: o + combining tilde
    ],
)
def test_names_in_any_script_are_accepted(name):
    check_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "Ana 2",
        "Ana\tSilva",
        "Ana\nSilva",
        "Ana\x00",
        "Ana\u200b",
        "Ana <b>",
        "Ana;",
        "Ana 😀",
        "-",
        " . ",
    ],
)
def test_digits_symbols_control_characters_and_no_letter_are_refused(name):
    with pytest.raises(InvalidName):
        check_name(name)


def test_trusted_hosts_default_to_base_urls_host():
    assert default_trusted_hosts("https://cafecomvendas.pt", "production") == ["cafecomvendas.pt"]
    assert default_trusted_hosts("http://127.0.0.1:8000", "development") == [
        "127.0.0.1",
        "localhost",
    ]
    assert default_trusted_hosts("http://shop.test", "test") == [
        "shop.test",
        "127.0.0.1",
        "localhost",
    ]


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "STRIPE_SECRET_KEY": "sk_live_x",
    "STRIPE_WEBHOOK_SECRET": "whsec_x",
    "BASE_URL": "https://cafecomvendas.pt",
    "DATABASE_URL": "postgresql://shop@db:5432/shop",
    "SMTP_URL": "smtp://mail.test:587",
    # One worker: the in-memory rate limits are enough, no Redis needed for these checks.
    "WEB_CONCURRENCY": "1",
}


def _production(**extra: str) -> dict:
    return load_settings(
        {
            **PRODUCTION,
            "DATA_KEYS": TEST_DATA_KEYS,
            "BLIND_INDEX_KEY": TEST_BLIND_INDEX_KEY,
            **extra,
        }
    ).as_flask_config()


def test_production_trusts_exactly_base_urls_host_unless_told_otherwise():
    assert _production()["TRUSTED_HOSTS"] == ["cafecomvendas.pt"]
    told = _production(TRUSTED_HOSTS="cafecomvendas.pt, www.cafecomvendas.pt ,")
    assert told["TRUSTED_HOSTS"] == ["cafecomvendas.pt", "www.cafecomvendas.pt"]


def test_production_is_never_in_debug():
    assert _production()["DEBUG"] is False
    assert _production(FLASK_DEBUG="0")["DEBUG"] is False
    for value in ("1", "true", "yes"):
        with pytest.raises(ConfigurationError, match="FLASK_DEBUG"):
            _production(FLASK_DEBUG=value)


def test_form_bodies_are_capped_small():
    config = _production()
    assert config["MAX_CONTENT_LENGTH"] == 16 * 1024
    assert config["MAX_FORM_MEMORY_SIZE"] == 16 * 1024
    assert config["MAX_FORM_PARTS"] == 50
