"""Personal data at rest: what the database holds, lookups by email, and key rotation."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import select, text

from app.config import TEST_BLIND_INDEX_KEY, TEST_DATA_KEYS
from app.customers.models import Customer
from app.customers.services import find_customer_by_email
from app.extensions import db as _db
from app.orders.models import Order
from app.personal_data.encryption import Keyring, UnknownKeyError, new_key
from tests.integration.helpers import check_out, checkout_data, lead_data

EMAIL = "beatriz.quaresma@example.pt"
NEW_DATA_KEY = f"k2:{new_key()}"
NEW_INDEX_KEY = new_key()


def raw_customers() -> list:
    _db.session.commit()
    return _db.session.execute(
        text("select email, name, phone, nif, email_index from customers order by id")
    ).all()


def raw_billing_nifs() -> list[str | None]:
    _db.session.commit()
    return list(_db.session.execute(text("select billing_nif from orders")).scalars())


def buy(client, **fields) -> None:
    check_out(client, email=EMAIL, name="Beatriz Quaresma", nif="123456789", **fields)


@contextmanager
def shop_with(make_app, **keys):
    """Another app on the same database, with other keys; its own session and engine."""
    _db.session.commit()  # nothing of ours held open while the other app writes
    with make_app(**keys) as other, other.app_context():
        yield other
        _db.session.remove()


def test_the_database_holds_no_personal_data_in_clear(client, db):
    buy(client, phone="912 345 678")
    client.post("/leads", data=lead_data(email=EMAIL, name="Beatriz Quaresma"))
    [row] = raw_customers()
    for value in (row.email, row.name, row.phone, row.nif):
        assert value.startswith("v1:test:"), value
    stored = " ".join(row[:4])
    for secret in ("beatriz", "Beatriz", "Quaresma", "912345678", "123456789"):
        assert secret not in stored
    assert row.email_index == db.session.scalar(select(Customer.email_index))
    assert len(row.email_index) == 64 and EMAIL not in row.email_index
    [billing_nif] = raw_billing_nifs()
    assert billing_nif.startswith("v1:test:") and "123456789" not in billing_nif
    [(buyer_name, buyer_phone)] = db.session.execute(
        text("select buyer_name, buyer_phone from orders")
    ).all()
    assert buyer_name.startswith("v1:test:") and "Quaresma" not in buyer_name
    assert buyer_phone.startswith("v1:test:") and "912345678" not in buyer_phone
    [submitted_name] = db.session.execute(text("select name from lead_changes")).scalars()
    assert submitted_name.startswith("v1:test:") and "Quaresma" not in submitted_name
    # The shop itself reads them back.
    customer = db.session.scalars(select(Customer)).one()
    assert (customer.email, customer.name, customer.phone, customer.nif) == (
        EMAIL,
        "Beatriz Quaresma",
        "+351912345678",
        "123456789",
    )
    assert db.session.scalars(select(Order)).one().billing_nif == "123456789"


def test_a_lead_and_a_purchase_in_another_case_are_the_same_customer(client, db):
    client.post("/leads", data=lead_data(email="  Beatriz.QUARESMA@Example.pt "))
    buy(client)
    assert len(raw_customers()) == 1
    customer = find_customer_by_email("BEATRIZ.quaresma@example.PT")
    assert customer is not None and customer.email == EMAIL
    assert customer.journey_stage == "checkout"
    assert find_customer_by_email("someone.else@example.pt") is None


def test_an_encrypted_column_cannot_be_searched_by_mistake(db):
    # Such a query would encrypt the value afresh and never match: refused outright.
    with pytest.raises(TypeError, match="find_customer_by_email"):
        select(Customer).where(Customer.email == EMAIL)
    with pytest.raises(TypeError, match="encrypted"):
        select(Customer).order_by(Customer.name.desc())
    # Whether a value is there at all is fine to ask.
    assert db.session.scalars(select(Customer).where(Customer.phone.is_not(None))).all() == []


def test_rotate_re_encrypts_under_a_new_key_put_in_front(make_app, client, db):
    client.post("/leads", data=lead_data(email="ana@example.pt"))
    buy(client)
    before = raw_customers()
    assert {row.email.split(":")[1] for row in before} == {"test"}

    with shop_with(make_app, DATA_KEYS=f"{NEW_DATA_KEY},{TEST_DATA_KEYS}") as rotating:
        # Until rotated, the new key writes and the old one still reads.
        assert find_customer_by_email(EMAIL).name == "Beatriz Quaresma"
        result = rotating.test_cli_runner().invoke(args=["keys", "rotate", "--batch", "1"])
        assert result.exit_code == 0, result.output
        assert "customers.email: 2 re-encrypted, 0 already under k2" in result.output
        assert "customers.nif: 1 re-encrypted" in result.output
        assert "orders.billing_nif: 1 re-encrypted" in result.output
        assert "customers.email_index: 0 recomputed" in result.output
        again = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
        assert "customers.email: 0 re-encrypted, 2 already under k2" in again.output

    after = raw_customers()
    for row in after:
        for value in (row.email, row.name):
            assert value.startswith("v1:k2:")
    assert raw_billing_nifs()[0].startswith("v1:k2:")
    # Nothing still needs the old key: it can leave DATA_KEYS.
    with shop_with(make_app, DATA_KEYS=NEW_DATA_KEY):
        customer = find_customer_by_email(EMAIL)
        assert (customer.name, customer.phone, customer.nif) == (
            "Beatriz Quaresma",
            "+351912345678",
            "123456789",
        )
        assert customer.orders[0].billing_nif == "123456789"
    # A shop still on the old key alone names the key it lacks.
    with pytest.raises(UnknownKeyError, match="'k2'"):
        db.session.scalars(select(Customer)).all()


def test_rotate_stops_on_a_value_no_key_can_read(make_app, client, db):
    buy(client)
    with shop_with(make_app, DATA_KEYS=NEW_DATA_KEY) as rotating:
        result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 1
    assert "encrypted under key 'test', which is not in DATA_KEYS" in result.output
    assert {row.email.split(":")[1] for row in raw_customers()} == {"test"}


def test_a_new_blind_index_key_keeps_customers_findable(make_app, client, db):
    client.post("/leads", data=lead_data(email=EMAIL))
    old_index = raw_customers()[0].email_index

    with shop_with(
        make_app,
        BLIND_INDEX_KEY=NEW_INDEX_KEY,
        BLIND_INDEX_PREVIOUS_KEY=TEST_BLIND_INDEX_KEY,
    ) as changing:
        # Before the rotation the row still carries the old index, and is found by it:
        # the same buyer coming back is the same customer, now indexed under the new key.
        assert find_customer_by_email(EMAIL) is not None
        changing.config["WTF_CSRF_ENABLED"] = False
        response = changing.test_client().post(
            "/checkout/bilhete-geral", data=checkout_data(email=EMAIL.upper())
        )
        assert response.status_code == 303, response.text
        [row] = raw_customers()
        assert row.email_index != old_index
        result = changing.test_cli_runner().invoke(args=["keys", "rotate"])
        assert "customers.email_index: 0 recomputed" in result.output

    client.post("/leads", data=lead_data(email="ana@example.pt"))
    with shop_with(
        make_app,
        BLIND_INDEX_KEY=NEW_INDEX_KEY,
        BLIND_INDEX_PREVIOUS_KEY=TEST_BLIND_INDEX_KEY,
    ) as changing:
        result = changing.test_cli_runner().invoke(args=["keys", "rotate"])
        assert "customers.email_index: 1 recomputed" in result.output
    with shop_with(make_app, BLIND_INDEX_KEY=NEW_INDEX_KEY):
        assert find_customer_by_email("ana@example.pt") is not None
        assert find_customer_by_email(EMAIL) is not None
        assert len(raw_customers()) == 2


def test_keys_generate_prints_keys_the_shop_accepts(app):
    runner = app.test_cli_runner()
    data_key = runner.invoke(args=["keys", "generate"]).output.strip()
    index_key = runner.invoke(args=["keys", "generate", "--blind-index"]).output.strip()
    keyring = Keyring.from_settings(f"{data_key},{TEST_DATA_KEYS}", index_key)
    assert keyring.current_key_id == data_key.split(":")[0]
    assert ":" not in index_key
