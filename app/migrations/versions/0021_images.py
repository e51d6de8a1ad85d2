"""Images the team uploads: the hero, the link preview and the speakers' photos, with
their alternative text in both languages and the files made from each.

Revision ID: 0021
Revises: 0020
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("speaker_key", sa.String(120), nullable=True),
        sa.Column("alt_pt", sa.Text(), nullable=False),
        sa.Column("alt_en", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "uploaded_by", sa.Integer(), sa.ForeignKey("staff_members.id"), nullable=True
        ),
    )
    op.create_index("ix_images_role", "images", ["role"])


def downgrade():
    op.drop_index("ix_images_role", "images")
    op.drop_table("images")
