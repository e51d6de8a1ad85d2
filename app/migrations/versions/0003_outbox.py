"""Transactional outbox; lead confirmation (double opt-in); attendee access; GA client id.

Revision ID: 0003
Revises: 0002
Created: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(160), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        timestamp("next_attempt_at"),
        timestamp("leased_until", nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        timestamp("created_at"),
        timestamp("finished_at", nullable=True),
    )
    op.create_index(
        "ix_outbox_messages_due", "outbox_messages", ["status", "next_attempt_at"]
    )
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("attendee_token", sa.String(64), nullable=True))
        batch.add_column(sa.Column("ga_client_id", sa.String(64), nullable=True))
        batch.create_unique_constraint("uq_orders_attendee_token", ["attendee_token"])


def downgrade():
    with op.batch_alter_table("orders") as batch:
        batch.drop_constraint("uq_orders_attendee_token", type_="unique")
        batch.drop_column("ga_client_id")
        batch.drop_column("attendee_token")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("confirmed_at")
    op.drop_index("ix_outbox_messages_due", table_name="outbox_messages")
    op.drop_table("outbox_messages")
