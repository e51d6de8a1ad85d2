"""Stripe: card through hosted Checkout, MB WAY and Multibanco through PaymentIntents."""
