"""The payment providers the shop knows, one line each, and which one takes each method.

Adding a provider is one folder under payments/ and one line in PROVIDERS: its class
(the contract in payments/provider.py) and its blueprint (its own endpoints).

Each payment method is served by one provider, chosen at start (`choose_providers`):

1. PAYMENT_METHODS names them, e.g. `card=stripe,mb_way=ifthenpay,multibanco=ifthenpay`;
   a method left out is not offered;
2. else PAYMENT_PROVIDER serves every method it takes;
3. else each method goes to the first provider in PROVIDERS whose credentials are set
   and that takes it (ifthenpay before Stripe, so a shop with both takes MB WAY and
   Multibanco through the Portuguese gateway and card and Klarna through Stripe);
4. else the offline demo serves every method.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, current_app

from app.config import ConfigurationError
from app.orders.methods import PaymentMethod
from app.orders.models import Order
from app.payments.demo import routes as demo_routes
from app.payments.demo.provider import DemoProvider
from app.payments.ifthenpay import routes as ifthenpay_routes
from app.payments.ifthenpay.provider import IfthenpayProvider
from app.payments.provider import PaymentProvider
from app.payments.stripe import routes as stripe_routes
from app.payments.stripe.provider import StripeProvider

EXTENSION_KEY = "payment_providers"


@dataclass(frozen=True)
class Registration:
    provider: type[PaymentProvider]
    blueprint: Blueprint


# In order of preference when several have credentials (step 3 above).
PROVIDERS: dict[str, Registration] = {
    "ifthenpay": Registration(IfthenpayProvider, ifthenpay_routes.bp),
    "stripe": Registration(StripeProvider, stripe_routes.bp),
    "demo": Registration(DemoProvider, demo_routes.bp),
}
# What runs on a fresh machine, with no provider's credentials set.
DEFAULT_PROVIDER = "demo"


def _known(name: str) -> str:
    if name not in PROVIDERS:
        known = ", ".join(PROVIDERS)
        raise ConfigurationError(f"payment provider must be one of {known}, not {name!r}")
    return name


def _named_methods(setting: str) -> dict[PaymentMethod, str]:
    """PAYMENT_METHODS (`card=stripe,mb_way=ifthenpay`) read, checked and in form order."""
    chosen: dict[PaymentMethod, str] = {}
    for pair in setting.replace(" ", ",").split(","):
        if not pair:
            continue
        method_name, _, provider = pair.partition("=")
        if method_name not in set(PaymentMethod):
            known = ", ".join(PaymentMethod)
            raise ConfigurationError(f"PAYMENT_METHODS: {method_name!r} is not one of {known}")
        if PaymentMethod(method_name) in chosen:
            raise ConfigurationError(f"PAYMENT_METHODS names {method_name} twice")
        chosen[PaymentMethod(method_name)] = _known(provider.strip().lower())
    if not chosen:
        raise ConfigurationError("PAYMENT_METHODS is set but names no method=provider pair")
    return {method: chosen[method] for method in PaymentMethod if method in chosen}


def choose_providers(config: Mapping[str, Any]) -> dict[PaymentMethod, str]:
    """Which provider serves each offered method (the module docstring's rules)."""
    setting = (config.get("PAYMENT_METHODS") or "").strip().lower()
    if setting:
        chosen = _named_methods(setting)
    elif name := (config.get("PAYMENT_PROVIDER") or "").strip().lower():
        chosen = {method: _known(name) for method in PROVIDERS[_known(name)].provider.methods}
    else:
        configured = {n: e.provider.methods_configured(config) for n, e in PROVIDERS.items()}
        chosen = {
            method: next(n for n, methods in configured.items() if method in methods)
            for method in PaymentMethod
            if any(method in methods for methods in configured.values())
        }
        if not chosen:
            return dict.fromkeys(DemoProvider.methods, DEFAULT_PROVIDER)
    for method, name in chosen.items():
        if method not in PROVIDERS[name].provider.methods:
            raise ConfigurationError(f"{name} does not take {method} payments")
    names = set(chosen.values())
    if DEFAULT_PROVIDER in names and len(names) > 1:
        # A buyer could not tell which of the shop's payments are real.
        raise ConfigurationError("the demo provider cannot serve beside a real provider")
    return chosen


@dataclass(frozen=True)
class ProvidersInUse:
    """The providers built for this app, and the method each serves."""

    by_method: dict[PaymentMethod, PaymentProvider]

    @property
    def methods(self) -> tuple[PaymentMethod, ...]:
        """The methods the checkout offers, in the form's order."""
        return tuple(self.by_method)

    @property
    def providers(self) -> tuple[PaymentProvider, ...]:
        return tuple({id(p): p for p in self.by_method.values()}.values())

    @property
    def takes_real_money(self) -> bool:
        return all(provider.takes_real_money for provider in self.providers)

    @property
    def checkout_hosts(self) -> tuple[str, ...]:
        """Where our checkout form may lead (the CSP's form-action), for every provider."""
        return tuple(dict.fromkeys(h for p in self.providers for h in p.checkout_hosts))

    def named(self, name: str) -> PaymentProvider | None:
        return next((p for p in self.providers if p.name == name), None)


def build_providers(config: Mapping[str, Any]) -> ProvidersInUse:
    """The chosen providers, each built once from the settings (ConfigurationError when unsafe)."""
    chosen = choose_providers(config)
    built = {
        name: PROVIDERS[name].provider.from_config(
            config, tuple(m for m, n in chosen.items() if n == name)
        )
        for name in dict.fromkeys(chosen.values())
    }
    return ProvidersInUse({method: built[name] for method, name in chosen.items()})


def provider_class(name: str) -> type[PaymentProvider] | None:
    """What a provider can do, by the name an order keeps (it may no longer be in use)."""
    entry = PROVIDERS.get(name)
    return entry.provider if entry else None


def init_payments(app: Flask) -> ProvidersInUse:
    """Build the app's providers once (refusing unsafe settings at start) and mount their pages."""
    in_use = build_providers(app.config)
    app.extensions[EXTENSION_KEY] = in_use
    # What the app runs with, for the health page, the logs and the docs' examples.
    app.config["PAYMENT_METHODS"] = ",".join(f"{m}={p.name}" for m, p in in_use.by_method.items())
    for provider in in_use.providers:
        app.register_blueprint(PROVIDERS[provider.name].blueprint)

    @app.context_processor
    def payments_context() -> dict[str, bool]:
        # Every page says so when no payment is real (the demo banner).
        return {"payments_are_real": in_use.takes_real_money}

    return in_use


def providers_in_use() -> ProvidersInUse:
    """The app's providers."""
    return current_app.extensions[EXTENSION_KEY]


def provider_for(method: str) -> PaymentProvider | None:
    """The provider that serves this method now; None when the shop does not offer it."""
    if method not in set(PaymentMethod):
        return None
    return providers_in_use().by_method.get(PaymentMethod(method))


def provider_of(order: Order) -> PaymentProvider | None:
    """The provider that started the order's payment, if the shop still uses it."""
    return providers_in_use().named(order.provider)
