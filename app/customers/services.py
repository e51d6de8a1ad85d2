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


def find_or_add_customer(
    *,
    email: str,
    name: str,
    locale: str,
    phone: str | None = None,
    nif: str | None = None,
    consent_id: str | None = None,
) -> tuple[Customer, bool]:
    """(the customer with this email, created?) - created with these details if new (no commit).

    An existing person's details are never changed here: anyone can type anyone's email
    into a public form. Their name, phone and consent change only through a link sent to
    that address (leads.changes) or, later, the back office; an order keeps what was typed
    for it on the order itself.
    """
    email = normalize_email(email)
    customer = find_customer_by_email(email)
    if customer is None:
        customer = Customer(
            email=email, name=name, locale=locale, phone=phone or None, nif=nif or None
        )
        link_consent_choices(customer, consent_id)
        db.session.add(customer)
        return customer, True
    if customer.email_index != current_keyring().blind_index(email):
        # Found under the previous blind index key: store it under the current one.
        customer.email = email
    return customer, False


def link_consent_choices(customer: Customer, consent_id: str | None) -> None:
    """Remember which browser's cookie choices belong to this person (for their export
    and their erasure): the browser that created them, or the latest one from which
    they confirmed a change by email. The caller commits."""
    if consent_id and customer.consent_id != consent_id:
        customer.consent_id = consent_id
