"""Initial schema: event and offers, customers and leads, orders and their history.

Revision ID: 0001
Revises:
Created: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(80), nullable=False, unique=True),
        timestamp("starts_at"),
        timestamp("ends_at"),
        sa.Column("content", sa.JSON(), nullable=False),
        timestamp("updated_at"),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id"), nullable=False),
        sa.Column("slug", sa.String(80), nullable=False, unique=True),
        sa.Column("name", sa.JSON(), nullable=False),
        sa.Column("description", sa.JSON(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("vat_rate", sa.Numeric(5, 4), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        timestamp("sales_start"),
        timestamp("sales_end"),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("price_cents > 0", name="ck_offers_price_positive"),
        sa.CheckConstraint("capacity >= 0", name="ck_offers_capacity_not_negative"),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("nif", sa.String(9)),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column("journey_stage", sa.String(16), nullable=False),
        timestamp("created_at"),
        timestamp("updated_at"),
    )
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False, unique=True
        ),
        sa.Column("business_type", sa.String(32), nullable=False),
        sa.Column("business_stage", sa.String(32), nullable=False),
        sa.Column("marketing_consent", sa.Boolean(), nullable=False),
        timestamp("marketing_consent_at", nullable=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("locale", sa.String(5), nullable=False),
        timestamp("created_at"),
        timestamp("updated_at"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("public_token", sa.String(64), nullable=False, unique=True),
        sa.Column("checkout_key", sa.String(64), unique=True),
        sa.Column("offer_id", sa.Integer(), sa.ForeignKey("offers.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_method", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("provider_reference", sa.String(255)),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("billing_nif", sa.String(9)),
        sa.Column("locale", sa.String(5), nullable=False),
        sa.Column("failure_reason", sa.String(64)),
        timestamp("created_at"),
        timestamp("updated_at"),
        timestamp("expires_at", nullable=True),
        timestamp("paid_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('awaiting_payment', 'paid', 'failed', 'expired', 'refunded')",
            name="ck_orders_status_known",
        ),
    )
    # Seat counting reads orders by offer and status on every checkout.
    op.create_index("ix_orders_offer_status", "orders", ["offer_id", "status"])
    op.create_table(
        "order_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("from_status", sa.String(24)),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        timestamp("created_at"),
    )
    op.create_index("ix_order_status_changes_order_id", "order_status_changes", ["order_id"])


def downgrade():
    op.drop_index("ix_order_status_changes_order_id", table_name="order_status_changes")
    op.drop_table("order_status_changes")
    op.drop_index("ix_orders_offer_status", table_name="orders")
    op.drop_table("orders")
    op.drop_table("leads")
    op.drop_table("customers")
    op.drop_table("offers")
    op.drop_table("events")
