"""Each order keeps the name and phone typed for it, and lead-form submissions wait for
the email owner's confirmation before they change the person.

Revision ID: 0013
Revises: 0012
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    # Encrypted text (v1:<key id>:...): readable only through the app's keyring.
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("buyer_name", sa.Text(), nullable=True))
        batch.add_column(sa.Column("buyer_phone", sa.Text(), nullable=True))
    op.create_table(
        "lead_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("business_type", sa.String(32), nullable=False),
        sa.Column("business_stage", sa.String(32), nullable=False),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column("consent_id", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_lead_changes_lead", "lead_changes", ["lead_id"])


def downgrade():
    op.drop_index("ix_lead_changes_lead", "lead_changes")
    op.drop_table("lead_changes")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("buyer_phone")
        batch.drop_column("buyer_name")
