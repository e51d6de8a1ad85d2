"""The payment providers the shop knows, one line each, and the one this app uses.

Adding a provider is one folder under payments/ and one line in PROVIDERS: its class
(the contract in payments/provider.py) and its blueprint (its own endpoints).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app

from app.config import ConfigurationError
from app.payments.demo import routes as demo_routes
from app.payments.demo.provider import DemoProvider
from app.payments.provider import PaymentProvider
from app.payments.stripe import routes as stripe_routes
from app.payments.stripe.provider import StripeProvider

EXTENSION_KEY = "payment_provider"


@dataclass(frozen=True)
class Registration:
    provider: type[PaymentProvider]
    blueprint: Blueprint


PROVIDERS: dict[str, Registration] = {
    "demo": Registration(DemoProvider, demo_routes.bp),
    "stripe": Registration(StripeProvider, stripe_routes.bp),
}
# What runs on a fresh machine, with no provider's credentials set.
DEFAULT_PROVIDER = "demo"


def chosen_provider(config: Mapping[str, Any]) -> str:
    """PAYMENT_PROVIDER, else the first provider whose credentials are set, else the demo."""
    name = (config.get("PAYMENT_PROVIDER") or "").strip().lower()
    if name:
        if name not in PROVIDERS:
            known = ", ".join(PROVIDERS)
            raise ConfigurationError(f"PAYMENT_PROVIDER must be one of {known}, not {name!r}")
        return name
    configured = [n for n, entry in PROVIDERS.items() if entry.provider.configured(config)]
    return configured[0] if configured else DEFAULT_PROVIDER


def build_provider(config: Mapping[str, Any]) -> PaymentProvider:
    """The chosen provider, built from the settings; ConfigurationError when they are unsafe."""
    return PROVIDERS[chosen_provider(config)].provider.from_config(config)


def provider_class(name: str) -> type[PaymentProvider] | None:
    """What a provider can do, by the name an order keeps (it may no longer be in use)."""
    entry = PROVIDERS.get(name)
    return entry.provider if entry else None


def init_payments(app: Flask) -> PaymentProvider:
    """Build the app's provider once (refusing unsafe settings at start) and mount its pages."""
    provider = build_provider(app.config)
    app.config["PAYMENT_PROVIDER"] = provider.name
    app.extensions[EXTENSION_KEY] = provider
    app.register_blueprint(PROVIDERS[provider.name].blueprint)

    @app.context_processor
    def payments_context() -> dict[str, bool]:
        # Every page says so when no payment is real (the demo banner).
        return {"payments_are_real": provider.takes_real_money}

    return provider


def get_provider() -> PaymentProvider:
    """The app's payment provider."""
    return current_app.extensions[EXTENSION_KEY]
