"""Orders keep an HMAC of the address they came from: open orders are capped per address.

Revision ID: 0012
Revises: 0011
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("client_key", sa.String(64), nullable=True))
        batch.create_index("ix_orders_client_key", ["client_key"])


def downgrade():
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_client_key")
        batch.drop_column("client_key")
