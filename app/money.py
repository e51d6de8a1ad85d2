"""The only place that knows EUR, cents, rounding, VAT and formatting.

Amounts are integer cents end to end. Prices are VAT-inclusive, as Portuguese
consumers expect to see them; the VAT share is derived from the gross price.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, format_percent

CURRENCY = "EUR"
CENT = Decimal("0.01")


def cents_to_decimal(cents: int) -> Decimal:
    """Turn integer cents into an exact Decimal amount in euros."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise TypeError("amounts are integer cents")
    return (Decimal(cents) / 100).quantize(CENT)


def decimal_to_cents(amount: Decimal | str) -> int:
    """Turn a euro amount ("97.00" or Decimal) into integer cents, rounding half up."""
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    value = Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    return int(value * 100)


def parse_euros(text: str) -> int:
    """Read an amount typed by a person ("49.50", "49,50", "50") into cents; refuse junk."""
    cleaned = text.strip().replace("€", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite() or value <= 0 or value != value.quantize(CENT):
        raise ValueError(f"not an amount in euros and cents: {text!r}")
    return decimal_to_cents(value)


def vat_included(gross_cents: int, rate: Decimal) -> int:
    """The VAT contained in a VAT-inclusive price, in cents, rounded half up."""
    rate = Decimal(rate)
    net = (Decimal(gross_cents) / (1 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return gross_cents - int(net)


def format_money(cents: int, locale: str, currency: str = CURRENCY) -> str:
    """Format cents for a locale: pt_PT gives '1 234,56 €' with no-break spaces."""
    text = format_currency(cents_to_decimal(cents), currency, locale=locale)
    # CLDR puts a narrow no-break space (U+202F) between groups in pt; shops and
    # our tests use the plain no-break space (U+00A0) throughout.
    return text.replace("\u202f", "\u00a0")


def format_rate(rate: Decimal, locale: str) -> str:
    """Format a VAT rate such as 0.23 as '23 %' / '23%' for the locale."""
    return format_percent(Decimal(rate), locale=locale).replace("\u202f", "\u00a0")
