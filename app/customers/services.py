"""Finding and keeping the person behind a lead or an order.

Nothing here commits: callers change a customer inside their own transaction.
"""

from __future__ import annotations

from sqlalchemy import select

from app.customers.models import Customer
from app.extensions import db
from app.personal_data.encryption import current_keyring
from app.web.input_rules import normalize_email


def find_customer_by_email(email: str) -> Customer | None:
    """The customer with this email in any case or spacing, found by its blind index; or None."""
    indexes = current_keyring().blind_indexes(email)
    found = list(db.session.scalars(select(Customer).where(Customer.email_index.in_(indexes))))
    # While a new blind index key is rolled out a row may still carry the previous
    # key's index; the current one wins.
    found.sort(key=lambda customer: indexes.index(customer.email_index))
    return found[0] if found else None


def upsert_customer(
    *, email: str, name: str, locale: str, phone: str | None = None, nif: str | None = None
) -> Customer:
    """The customer with this email, created or updated with the latest details (no commit)."""
    email = normalize_email(email)
    customer = find_customer_by_email(email)
    if customer is None:
        customer = Customer(email=email, name=name, locale=locale)
        db.session.add(customer)
    elif customer.email_index != current_keyring().blind_index(email):
        # Found under the previous blind index key: store it under the current one.
        customer.email = email
    customer.name = name
    customer.locale = locale
    if phone:
        customer.phone = phone
    if nif:
        customer.nif = nif
    return customer


def link_consent_choices(customer: Customer, consent_id: str | None) -> None:
    """Remember which browser's cookie choices belong to this person (for their export
    and their erasure); the latest browser they used wins. The caller commits."""
    if consent_id and customer.consent_id != consent_id:
        customer.consent_id = consent_id
