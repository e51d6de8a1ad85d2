"""Several tickets in one order: how many seats one order may take, per offer, and how
many seats an invoice line counts.

Revision ID: 0023
Revises: 0022
Created: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("offers") as batch:
        batch.add_column(
            sa.Column("max_per_order", sa.Integer(), nullable=False, server_default="5")
        )
        batch.create_check_constraint(
            "ck_offers_max_per_order_range", "max_per_order >= 1 AND max_per_order <= 5"
        )
    with op.batch_alter_table("invoice_documents") as batch:
        batch.add_column(sa.Column("quantity", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("invoice_documents") as batch:
        batch.drop_column("quantity")
    with op.batch_alter_table("offers") as batch:
        batch.drop_constraint("ck_offers_max_per_order_range", type_="check")
        batch.drop_column("max_per_order")
