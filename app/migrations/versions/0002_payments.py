"""Payments at a real provider: payment details on orders, and the webhook event ledger.

Revision ID: 0002
Revises: 0001
Created: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("payment_intent_id", sa.String(255), nullable=True))
        batch.add_column(sa.Column("payment_url", sa.String(1000), nullable=True))
        batch.add_column(sa.Column("multibanco_entity", sa.String(8), nullable=True))
        batch.add_column(sa.Column("multibanco_reference", sa.String(16), nullable=True))
        batch.add_column(sa.Column("receipt_url", sa.String(1000), nullable=True))
        batch.add_column(
            sa.Column("refunded_cents", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("review_reason", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("provider_checked_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("release_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_orders_payment_intent_id", ["payment_intent_id"])
        batch.create_index("ix_orders_provider_reference", ["provider_reference"])

    op.create_table(
        "webhook_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id"), nullable=True),
        sa.Column("result", sa.String(80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "event_id", name="uq_webhook_events_provider_event"),
    )
    op.create_index("ix_webhook_events_order_id", "webhook_events", ["order_id"])


def downgrade():
    op.drop_index("ix_webhook_events_order_id", table_name="webhook_events")
    op.drop_table("webhook_events")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_provider_reference")
        batch.drop_index("ix_orders_payment_intent_id")
        for column in (
            "release_pending",
            "provider_checked_at",
            "review_reason",
            "refunded_cents",
            "receipt_url",
            "multibanco_reference",
            "multibanco_entity",
            "payment_url",
            "payment_intent_id",
        ):
            batch.drop_column(column)
