"""The back office's event editor: each saved version of the event (drafts and what was
published when), so marketing can preview, publish and revert.

Revision ID: 0020
Revises: 0019
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("author_staff_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
    )


def downgrade():
    op.drop_table("event_revisions")
