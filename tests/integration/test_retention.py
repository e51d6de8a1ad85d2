"""`flask privacy purge` with a frozen clock: what goes when, and what stays.

Records are made by the shop's own services at a moment in the past (time-machine moves
the clock), then the command runs "now" through the Flask CLI runner.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import time_machine
from sqlalchemy import select

from app.consent.models import ConsentRecord
from app.customers.models import Customer
from app.extensions import db as _db
from app.leads.models import Lead
from app.leads.services import LeadDetails, save_lead
from app.orders.models import Order
from app.orders.placing import BuyerDetails
from app.outbox.models import OutboxMessage
from app.personal_data.encryption import blind_index
from app.timeutil import utcnow
from tests.integration.helpers import confirm_by_link, paid_ticket


def lead(email: str, *, confirm: bool, stage: str = "idea") -> Lead:
    made, _ = save_lead(
        LeadDetails(
            name="Rita Conceição",
            email=email,
            business_type="services",
            business_stage=stage,
            marketing_consent=True,
            locale="pt_PT",
        )
    )
    if confirm:
        confirm_by_link(made.id)
    return made


def buy(email: str) -> Order:
    return paid_ticket(BuyerDetails("Rita Conceição", email, "+351912345678", "256431779", "pt_PT"))


def purge(app) -> str:
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    return result.output


def emails_left() -> set[str]:
    _db.session.rollback()
    return {c.email for c in _db.session.scalars(select(Customer))}


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def test_people_inactive_for_24_months_are_erased_and_their_orders_anonymized(app, db):
    start = utcnow()
    old_order = buy("old.buyer@example.pt")
    lead("old.lead@example.pt", confirm=True)
    with at(start + timedelta(days=20)):
        lead("recent.lead@example.pt", confirm=True)
    with at(start + timedelta(days=365 * 2 + 10)):
        output = purge(app)

    assert emails_left() == {"recent.lead@example.pt"}
    kept = _db.session.get(Order, old_order.id)
    assert kept is not None and kept.customer_id is None and kept.billing_nif is None
    assert "people erased: 2" in output
    # Nobody was emailed about a retention purge.
    kinds = {m.kind for m in _db.session.scalars(select(OutboxMessage))}
    assert "erasure_confirmation" not in kinds


def test_coming_back_resets_the_clock(app, db):
    start = utcnow()
    lead("back@example.pt", confirm=True)
    with at(start + timedelta(days=600)):
        lead("back@example.pt", confirm=True)  # left the form again
    with at(start + timedelta(days=800)):
        purge(app)
    assert emails_left() == {"back@example.pt"}


def test_unconfirmed_leads_go_after_30_days_buyers_stay(app, db):
    start = utcnow()
    lead("never.confirmed@example.pt", confirm=False)
    lead("confirmed@example.pt", confirm=True)
    # Sent again and never confirmed: that submission goes, the confirmed lead stays.
    lead("confirmed@example.pt", confirm=False, stage="growing")
    lead("bought.later@example.pt", confirm=False)
    buy("bought.later@example.pt")
    with at(start + timedelta(days=2)):
        lead("still.time@example.pt", confirm=False)
    with at(start + timedelta(days=31)):
        output = purge(app)

    assert emails_left() == {
        "confirmed@example.pt",
        "still.time@example.pt",
        "bought.later@example.pt",
    }
    # The buyer keeps the ticket; only the unconfirmed lead went.
    buyer = _db.session.scalar(
        select(Customer).where(Customer.email_index == blind_index("bought.later@example.pt"))
    )
    assert _db.session.scalar(select(Lead).where(Lead.customer_id == buyer.id)) is None
    assert "unconfirmed leads deleted: 2" in output
    assert "unconfirmed lead changes deleted: 1" in output


def test_the_periods_are_configurable(app, db):
    start = utcnow()
    app.config.update(PRIVACY_RETENTION_MONTHS=1, UNCONFIRMED_LEAD_DAYS=3)
    try:
        lead("forty.days@example.pt", confirm=True)
        with at(start + timedelta(days=36)):
            lead("four.days@example.pt", confirm=False)
        with at(start + timedelta(days=38)):
            lead("two.days@example.pt", confirm=False)
        with at(start + timedelta(days=40)):
            purge(app)
    finally:
        app.config.update(PRIVACY_RETENTION_MONTHS=24, UNCONFIRMED_LEAD_DAYS=30)
    assert emails_left() == {"two.days@example.pt"}


def test_old_consent_proofs_and_tax_expired_orders_are_deleted(app, db):
    start = utcnow()
    ancient_id = buy("ancient@example.pt").id
    _db.session.add(consent_record("a"))
    _db.session.commit()
    with at(start + timedelta(days=365 * 11 - 30)):
        _db.session.add(consent_record("b"))
        _db.session.commit()
    with at(start + timedelta(days=365 * 11)):
        output = purge(app)
    _db.session.rollback()
    assert _db.session.get(Order, ancient_id) is None
    assert [r.consent_id for r in _db.session.scalars(select(ConsentRecord))] == ["b" * 32]
    assert "orders deleted: 1" in output


def consent_record(letter: str) -> ConsentRecord:
    return ConsentRecord(
        consent_id=letter * 32,
        action="accept_all",
        analytics=True,
        marketing=False,
        policy_version="1",
        proof_hash="0" * 64,
    )


def test_a_second_run_changes_nothing(app, db):
    start = utcnow()
    lead("gone@example.pt", confirm=False)
    with at(start + timedelta(days=31)):
        purge(app)
        again = purge(app)
    assert "people erased: 0" in again and "unconfirmed leads deleted: 0" in again
