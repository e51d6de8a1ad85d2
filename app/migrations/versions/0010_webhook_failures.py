"""Webhook failures, counted for the alert that says when they pile up.

Revision ID: 0010
Revises: 0009
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "webhook_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_webhook_failures_at", "webhook_failures", ["at"])


def downgrade():
    op.drop_index("ix_webhook_failures_at", "webhook_failures")
    op.drop_table("webhook_failures")
