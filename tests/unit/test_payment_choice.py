"""Which provider serves each payment method, as the settings say, and what is refused at
start; and the plain rules of the ifthenpay provider (our ids, phones, reference days)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.config import ConfigurationError, load_settings
from app.payments.ifthenpay.gateway import cents_from, gateway_amount
from app.payments.ifthenpay.provider import (
    gateway_phone,
    read_gateway_order_id,
    reference_days,
)
from app.payments.registry import build_providers, choose_providers

TEST = {"APP_ENV": "test"}
IFTHENPAY = {"IFTHENPAY_MBWAY_KEY": "ABC-1", "IFTHENPAY_MB_KEY": "MBK-1"}
STRIPE = {"STRIPE_SECRET_KEY": "sk_test_1"}


def names(config) -> dict[str, str]:
    return {str(method): name for method, name in choose_providers(config).items()}


def test_without_credentials_the_demo_serves_every_method():
    assert set(names(TEST).values()) == {"demo"}
    assert list(names(TEST)) == ["card", "mb_way", "multibanco", "klarna"]


def test_with_both_gateways_mbway_and_multibanco_go_to_ifthenpay_card_to_stripe():
    assert names({**TEST, **IFTHENPAY, **STRIPE}) == {
        "card": "stripe",
        "mb_way": "ifthenpay",
        "multibanco": "ifthenpay",
        "klarna": "stripe",
    }


def test_ifthenpay_alone_offers_only_the_methods_whose_key_is_set():
    assert names({**TEST, "IFTHENPAY_MBWAY_KEY": "ABC-1"}) == {"mb_way": "ifthenpay"}


def test_payment_methods_names_each_method_and_leaves_out_the_rest():
    config = {
        **TEST,
        **IFTHENPAY,
        **STRIPE,
        "PAYMENT_METHODS": "multibanco=stripe, mb_way=ifthenpay card=stripe",
    }
    # In the checkout form's order, whatever the order typed.
    assert names(config) == {"card": "stripe", "mb_way": "ifthenpay", "multibanco": "stripe"}
    built = build_providers(load_settings(config).as_flask_config())
    assert [p.name for p in built.providers] == ["stripe", "ifthenpay"]
    assert built.checkout_hosts == ("https://checkout.stripe.com",)
    assert built.takes_real_money


def test_payment_provider_serves_every_method_it_takes():
    assert names({**TEST, **IFTHENPAY, **STRIPE, "PAYMENT_PROVIDER": "stripe"}) == {
        "card": "stripe",
        "mb_way": "stripe",
        "multibanco": "stripe",
        "klarna": "stripe",
    }


@pytest.mark.parametrize(
    ("settings", "refusal"),
    [
        ({"PAYMENT_METHODS": "card=ifthenpay"}, "ifthenpay does not take card"),
        ({"PAYMENT_METHODS": "cash=stripe"}, "'cash' is not one of"),
        ({"PAYMENT_METHODS": "card=paypal"}, "must be one of ifthenpay, stripe, demo"),
        ({"PAYMENT_METHODS": "card=stripe,card=demo"}, "names card twice"),
        ({"PAYMENT_METHODS": ","}, "names no method"),
        ({"PAYMENT_METHODS": "card=demo,mb_way=ifthenpay"}, "demo provider cannot serve beside"),
        ({"PAYMENT_METHODS": "mb_way=ifthenpay"}, "needs IFTHENPAY_MBWAY_KEY"),
        ({"PAYMENT_METHODS": "multibanco=ifthenpay"}, "needs IFTHENPAY_MB_KEY"),
        ({"PAYMENT_METHODS": "card=stripe"}, "need STRIPE_SECRET_KEY"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start_naming_the_fix(settings, refusal):
    with pytest.raises(ConfigurationError, match=refusal):
        build_providers({**TEST, **settings})


def test_ifthenpay_in_production_needs_its_callback_and_backoffice_keys():
    production = {"APP_ENV": "production", **IFTHENPAY}
    with pytest.raises(ConfigurationError, match="IFTHENPAY_ANTI_PHISHING_KEY"):
        build_providers(production)
    with pytest.raises(ConfigurationError, match="IFTHENPAY_BACKOFFICE_KEY"):
        build_providers({**production, "IFTHENPAY_ANTI_PHISHING_KEY": "k"})
    built = build_providers(
        {**production, "IFTHENPAY_ANTI_PHISHING_KEY": "k", "IFTHENPAY_BACKOFFICE_KEY": "b"}
    )
    assert [str(m) for m in built.methods] == ["mb_way", "multibanco"]


def test_our_id_at_the_gateway_reads_back_and_refuses_anything_else():
    assert read_gateway_order_id("0a1b2c3d4e5f002") == ("0a1b2c3d4e5f", 2)
    for wrong in ("", "12345", "0a1b2c3d4e5f02", "0a1b2c3d4e5g002", "0a1b2c3d4e5f00x"):
        assert read_gateway_order_id(wrong) is None


def test_amounts_and_phones_as_the_gateway_takes_them():
    assert gateway_amount(14700) == "147.00"
    assert gateway_amount(5) == "0.05"
    assert cents_from("147.00") == 14700
    assert cents_from("147,5") == 14750
    assert cents_from(33.61) == 3361
    assert cents_from("lots") is None
    assert cents_from("-1") is None
    assert cents_from("NaN") is None
    assert gateway_phone("+351912345678") == "351#912345678"
    assert gateway_phone("+34612345678") == "34#612345678"


def test_a_reference_ends_before_the_hold_does():
    # 30 Nov, 22:00 in Lisbon (UTC in winter).
    now = datetime(2026, 11, 30, 22, 0, tzinfo=UTC)
    # A 48-hour hold ends 2 Dec at 22:00: the reference lasts to the end of 1 Dec.
    assert reference_days(now, datetime(2026, 12, 2, 22, 0, tzinfo=UTC)) == 1
    # Sales ending at midnight on 2 Dec: the end of 1 Dec fits exactly.
    assert reference_days(now, datetime(2026, 12, 1, 23, 59, 59, 999999, tzinfo=UTC)) == 1
    # A hold that ends tonight: the shortest the gateway makes (today), capped by the hold.
    assert reference_days(now, datetime(2026, 11, 30, 23, 0, tzinfo=UTC)) == 0
