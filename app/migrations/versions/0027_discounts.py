"""Discount codes and early-bird prices: the codes marketing hands out, an offer's price
tiers by date, and on each order the price of the day, the code used and its discount.

Revision ID: 0027
Revises: 0026
Created: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "discount_codes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("offer_ids", sa.JSON(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('percent', 'amount')", name="ck_discount_codes_kind"),
        sa.CheckConstraint("value > 0", name="ck_discount_codes_value_positive"),
        sa.CheckConstraint(
            "max_uses IS NULL OR max_uses >= 1", name="ck_discount_codes_max_uses_positive"
        ),
    )
    with op.batch_alter_table("offers") as batch:
        batch.add_column(sa.Column("price_tiers", sa.JSON(), nullable=True))
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("list_unit_cents", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("discount_code_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("coupon_code", sa.String(40), nullable=True))
        batch.add_column(
            sa.Column("discount_cents", sa.Integer(), nullable=False, server_default="0")
        )
        batch.create_foreign_key(
            "fk_orders_discount_code_id", "discount_codes", ["discount_code_id"], ["id"]
        )
        batch.create_index("ix_orders_discount_code_id", ["discount_code_id"])


def downgrade():
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_discount_code_id")
        batch.drop_constraint("fk_orders_discount_code_id", type_="foreignkey")
        batch.drop_column("discount_cents")
        batch.drop_column("coupon_code")
        batch.drop_column("discount_code_id")
        batch.drop_column("list_unit_cents")
    with op.batch_alter_table("offers") as batch:
        batch.drop_column("price_tiers")
    op.drop_table("discount_codes")
