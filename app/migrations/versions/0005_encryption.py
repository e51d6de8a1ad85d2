"""Personal data encrypted at rest; customers found by the blind index of their email.

customers.email, name, phone, nif and orders.billing_nif become text holding
`v1:<key id>:<ciphertext>` (app/privacy/crypto.py); existing rows are encrypted here
with the app's keyring (DATA_KEYS), so run it with the keys production will use.
customers.email_index (HMAC-SHA256 of the email under BLIND_INDEX_KEY) takes over the
unique constraint from the email, which can no longer be compared in SQL.

Downgrade decrypts every value back into the plain columns (it needs the same keys).

Revision ID: 0005
Revises: 0004
Created: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The plain columns as 0001 made them: table -> column -> (length, nullable).
PLAIN = {
    "customers": {"email": (254, False), "name": (120, False), "phone": (20, True), "nif": (9, True)},
    "orders": {"billing_nif": (9, True)},
}
# SQLite reflects 0001's unique constraint on customers.email without a name; batch mode
# names it by this convention so it can be dropped.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
BATCH = 500


def _keyring():
    # Flask-Migrate runs migrations inside the app, whose keyring create_app built.
    return current_app.extensions["keyring"]


def _email_unique_name(bind) -> str:
    for constraint in sa.inspect(bind).get_unique_constraints("customers"):
        if constraint["column_names"] == ["email"]:
            return constraint["name"] or "uq_customers_email"
    return "uq_customers_email"


def _rewrite(bind, table: str, columns: list[str], change) -> None:
    """Apply `change(column, value)` to every non-null value of `columns`, page by page."""
    listed = f"SELECT id, {', '.join(columns)} FROM {table}"
    first = sa.text(f"{listed} ORDER BY id LIMIT :n")
    following = sa.text(f"{listed} WHERE id > :after ORDER BY id LIMIT :n")
    assignments = ", ".join(f"{column} = :{column}" for column in columns)
    update = sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id")
    after = None  # ids are integers (customers) or UUIDs (orders): page by the last one seen
    while True:
        if after is None:
            rows = bind.execute(first, {"n": BATCH}).mappings().all()
        else:
            rows = bind.execute(following, {"after": after, "n": BATCH}).mappings().all()
        if not rows:
            return
        updates = []
        for row in rows:
            values = {
                column: None if row[column] is None else change(column, row[column])
                for column in columns
            }
            updates.append({"id": row["id"], **values})
        bind.execute(update, updates)
        after = rows[-1]["id"]


def upgrade():
    bind = op.get_bind()
    keyring = _keyring()
    email_unique = _email_unique_name(bind)

    with op.batch_alter_table("customers", naming_convention=NAMING) as batch:
        batch.add_column(sa.Column("email_index", sa.String(64), nullable=True))
        batch.drop_constraint(email_unique, type_="unique")
        for column, (length, nullable) in PLAIN["customers"].items():
            batch.alter_column(
                column, type_=sa.Text(), existing_type=sa.String(length), existing_nullable=nullable
            )
    with op.batch_alter_table("orders") as batch:
        batch.alter_column(
            "billing_nif", type_=sa.Text(), existing_type=sa.String(9), existing_nullable=True
        )

    def encrypt(table):
        def change(column, value):
            if value.startswith("v1:"):
                return value  # already encrypted (a re-run after a partial upgrade)
            return keyring.encrypt(value, f"{table}.{column}")

        return change

    _rewrite(bind, "customers", list(PLAIN["customers"]), encrypt("customers"))
    _rewrite(bind, "orders", list(PLAIN["orders"]), encrypt("orders"))

    # The blind index, from each email as stored (already lower-cased by the shop).
    rows = bind.execute(sa.text("SELECT id, email FROM customers")).all()
    if rows:
        bind.execute(
            sa.text("UPDATE customers SET email_index = :index WHERE id = :id"),
            [
                {
                    "id": row.id,
                    "index": keyring.blind_index(keyring.decrypt(row.email, "customers.email")),
                }
                for row in rows
            ],
        )

    with op.batch_alter_table("customers") as batch:
        batch.alter_column(
            "email_index", existing_type=sa.String(64), nullable=False
        )
        batch.create_unique_constraint("uq_customers_email_index", ["email_index"])


def downgrade():
    bind = op.get_bind()
    keyring = _keyring()

    def decrypt(table):
        def change(column, value):
            if not value.startswith("v1:"):
                return value
            return keyring.decrypt(value, f"{table}.{column}")

        return change

    _rewrite(bind, "customers", list(PLAIN["customers"]), decrypt("customers"))
    _rewrite(bind, "orders", list(PLAIN["orders"]), decrypt("orders"))

    with op.batch_alter_table("orders") as batch:
        batch.alter_column(
            "billing_nif", type_=sa.String(9), existing_type=sa.Text(), existing_nullable=True
        )
    with op.batch_alter_table("customers") as batch:
        batch.drop_constraint("uq_customers_email_index", type_="unique")
        batch.drop_column("email_index")
        for column, (length, nullable) in PLAIN["customers"].items():
            batch.alter_column(
                column, type_=sa.String(length), existing_type=sa.Text(), existing_nullable=nullable
            )
        batch.create_unique_constraint("uq_customers_email", ["email"])
