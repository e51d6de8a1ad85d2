"""Consent records (append-only) and the once-only purchase push on orders.

Revision ID: 0004
Revises: 0003
Created: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("consent_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("analytics", sa.Boolean(), nullable=False),
        sa.Column("marketing", sa.Boolean(), nullable=False),
        sa.Column("policy_version", sa.String(16), nullable=False),
        sa.Column("proof_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_consent_records_consent_id", "consent_records", ["consent_id"])
    with op.batch_alter_table("orders") as batch:
        batch.add_column(
            sa.Column("purchase_pushed_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("purchase_pushed_at")
    op.drop_index("ix_consent_records_consent_id", table_name="consent_records")
    op.drop_table("consent_records")
