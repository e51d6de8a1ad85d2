"""The payment settings read from the environment: which provider takes each method, and
each provider's credentials. Whether they are enough is the registry's to say at start
(app/payments/registry.py), naming what is missing."""

from __future__ import annotations

from typing import Any


def payment_settings(environ: dict[str, str]) -> dict[str, Any]:
    def text(name: str, default: str = "") -> str:
        return environ.get(name, default).strip()

    return {
        # Which provider serves each method: `card=stripe,mb_way=ifthenpay,...`; empty
        # lets PAYMENT_PROVIDER, then the credentials set, choose (payments/registry.py).
        "PAYMENT_METHODS": text("PAYMENT_METHODS").lower(),
        "PAYMENT_PROVIDER": text("PAYMENT_PROVIDER").lower(),
        "STRIPE_SECRET_KEY": text("STRIPE_SECRET_KEY"),
        "STRIPE_WEBHOOK_SECRET": text("STRIPE_WEBHOOK_SECRET"),
        # Only for tests and local doubles of the Stripe API.
        "STRIPE_API_BASE": text("STRIPE_API_BASE") or None,
        "STRIPE_MAX_NETWORK_RETRIES": 2,
        "STRIPE_TIMEOUT_SECONDS": 15,
        # ifthenpay (docs/operations/payments.md): one key per method, the anti-phishing
        # key its callback carries, and the backoffice key (refunds, payment reads).
        "IFTHENPAY_MBWAY_KEY": text("IFTHENPAY_MBWAY_KEY"),
        "IFTHENPAY_MB_KEY": text("IFTHENPAY_MB_KEY"),
        "IFTHENPAY_ANTI_PHISHING_KEY": text("IFTHENPAY_ANTI_PHISHING_KEY"),
        "IFTHENPAY_BACKOFFICE_KEY": text("IFTHENPAY_BACKOFFICE_KEY"),
        # Only for tests and local doubles of ifthenpay's API.
        "IFTHENPAY_API_BASE": text("IFTHENPAY_API_BASE") or None,
        "IFTHENPAY_TIMEOUT_SECONDS": 15,
        # How often reconciliation may read one waiting payment at its provider when its
        # webhook or callback is late, and how often the worker reconciles.
        "PAYMENT_STATUS_CHECK_SECONDS": 5,
        "PAYMENT_RECONCILE_SECONDS": float(text("PAYMENT_RECONCILE_SECONDS", "5")),
    }
