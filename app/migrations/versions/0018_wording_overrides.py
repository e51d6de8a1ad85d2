"""Wording overrides: marketing's edits of the catalogs' messages, with their history.

Revision ID: 0018
Revises: 0017
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wording_overrides",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("msgid", sa.Text(), nullable=False),
        sa.Column("msgid_hash", sa.String(16), nullable=False),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_wording_overrides_key", "wording_overrides", ["msgid_hash", "locale", "state"]
    )


def downgrade():
    op.drop_index("ix_wording_overrides_key", table_name="wording_overrides")
    op.drop_table("wording_overrides")
