"""Tickets: an order holds `quantity` seats, and each seat is a ticket with its attendee,
its code's reference and what the door did with it.

Orders paid before tickets existed get one ticket each, in their buyer's name (the name
column stays empty: the ticket shows the order's buyer, which only the app can decrypt).

Revision ID: 0022
Revises: 0021
Created: 2026-12-01
"""

import secrets
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("quantity", sa.Integer(), nullable=False, server_default="1"))
        batch.create_check_constraint("ck_orders_quantity_positive", "quantity >= 1")
    op.create_table(
        "tickets",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(8), nullable=False, unique=True),
        sa.Column("attendee_name", sa.Text(), nullable=True),
        sa.Column("attendee_email", sa.Text(), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(64), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "checked_in_by", sa.Integer(), sa.ForeignKey("staff_members.id"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("order_id", "position", name="uq_tickets_order_position"),
    )
    op.create_index("ix_tickets_order_id", "tickets", ["order_id"])
    _one_ticket_per_earlier_order()


# Crockford's base32, as app/tickets/codes.py (a migration never imports the app).
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _one_ticket_per_earlier_order():
    order_ids = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM orders"))]
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Uuid()),
        sa.column("order_id", sa.Uuid()),
        sa.column("position", sa.Integer()),
        sa.column("ref", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    refs = set()
    while len(refs) < len(order_ids):
        refs.add("".join(secrets.choice(_ALPHABET) for _ in range(8)))
    rows = [
        {
            "id": uuid.uuid4(),
            "order_id": order_id if isinstance(order_id, uuid.UUID) else uuid.UUID(str(order_id)),
            "position": 1,
            "ref": ref,
            "created_at": now,
        }
        for order_id, ref in zip(order_ids, sorted(refs), strict=True)
    ]
    if rows:
        op.bulk_insert(tickets, rows)


def downgrade():
    op.drop_index("ix_tickets_order_id", "tickets")
    op.drop_table("tickets")
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("ck_orders_quantity_positive", type_="check")
        batch.drop_column("quantity")
