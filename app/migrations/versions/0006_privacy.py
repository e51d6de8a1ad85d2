"""Privacy centre: access links, anonymized orders, who each outbox message is about.

Revision ID: 0006
Revises: 0005
Created: 2026-11-28
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_privacy_requests_customer_id", "privacy_requests", ["customer_id"])
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("consent_id", sa.String(32), nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.alter_column("customer_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("anonymized_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("customer_id", sa.Integer(), nullable=True))
    op.create_index("ix_outbox_messages_customer_id", "outbox_messages", ["customer_id"])
    # Messages queued before this revision name their person in the payload, directly
    # or through the order or lead they are about.
    outbox = sa.table(
        "outbox_messages",
        sa.column("id", sa.Integer()),
        sa.column("payload", sa.JSON()),
        sa.column("customer_id", sa.Integer()),
    )
    orders = sa.table("orders", sa.column("id", sa.Uuid()), sa.column("customer_id", sa.Integer()))
    leads = sa.table("leads", sa.column("id", sa.Integer()), sa.column("customer_id", sa.Integer()))
    conn = op.get_bind()
    for row in conn.execute(sa.select(outbox.c.id, outbox.c.payload)).all():
        payload = row.payload or {}
        customer_id = payload.get("customer_id")
        if not isinstance(customer_id, int) and payload.get("order_id"):
            customer_id = conn.scalar(
                sa.select(orders.c.customer_id).where(
                    orders.c.id == uuid.UUID(str(payload["order_id"]))
                )
            )
        if not isinstance(customer_id, int) and payload.get("lead_id"):
            customer_id = conn.scalar(
                sa.select(leads.c.customer_id).where(leads.c.id == payload["lead_id"])
            )
        if isinstance(customer_id, int):
            conn.execute(
                outbox.update().where(outbox.c.id == row.id).values(customer_id=customer_id)
            )


def downgrade():
    op.drop_index("ix_outbox_messages_customer_id", table_name="outbox_messages")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("customer_id")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("anonymized_at")
        batch.alter_column("customer_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("consent_id")
    op.drop_index("ix_privacy_requests_customer_id", table_name="privacy_requests")
    op.drop_table("privacy_requests")
