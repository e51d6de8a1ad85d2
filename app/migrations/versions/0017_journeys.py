"""Journey attribution: where the visit that left a lead or placed an order came from.

Revision ID: 0017
Revises: 0016
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("leads", "orders"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("first_source", sa.String(64), nullable=True))
            batch.add_column(sa.Column("first_campaign", sa.String(64), nullable=True))
            batch.add_column(sa.Column("journey", sa.JSON(), nullable=True))


def downgrade():
    for table in ("orders", "leads"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("journey")
            batch.drop_column("first_campaign")
            batch.drop_column("first_source")
