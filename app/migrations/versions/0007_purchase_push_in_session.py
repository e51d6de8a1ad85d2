"""The order page no longer writes: the once-per-order dataLayer purchase is remembered
in the buyer's session, so orders.purchase_pushed_at goes.

Revision ID: 0007
Revises: 0006
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("purchase_pushed_at")


def downgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("purchase_pushed_at", sa.DateTime(timezone=True), nullable=True))
