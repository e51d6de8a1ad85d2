"""How the buyer may pay: the methods some provider serves for an amount, and for the
method chosen, the provider that takes it and how long the seats are held meanwhile."""

from __future__ import annotations

from flask import current_app
from wtforms import SelectChoice

from app.checkout.forms import PAYMENT_METHODS
from app.orders.methods import PaymentMethod, fits
from app.orders.placing import PaymentChoice
from app.payments.registry import provider_for, providers_in_use


def payment_choice(method: str) -> PaymentChoice:
    """The method with the provider that serves it, and how long its seat is held."""
    hold = (
        current_app.config["MBWAY_TIMEOUT_SECONDS"]
        if method == PaymentMethod.MB_WAY
        else current_app.config["SEAT_HOLD_SECONDS"]
    )
    provider = provider_for(method)
    # The form only offers methods some provider serves; its validation refuses others.
    assert provider is not None, f"no provider serves {method}"
    return PaymentChoice(method=method, provider=provider.name, hold_seconds=hold)


def offered_methods(amount_cents: int) -> list[SelectChoice]:
    """The payment methods some provider serves for this amount, in the form's order
    (Klarna only within its limits)."""
    offered = set(providers_in_use().methods)
    return [
        choice
        for choice in PAYMENT_METHODS
        if choice.value in offered and fits(choice.value, amount_cents)
    ]
