"""Paying in instalments: how many parts an order is paid in, and the Stripe customer made
for a person.

Revision ID: 0016
Revises: 0015
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("installments", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("stripe_customer_id", sa.String(255), nullable=True))


def downgrade():
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("stripe_customer_id")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("installments")
