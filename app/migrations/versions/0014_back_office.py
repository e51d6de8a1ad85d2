"""The back office: staff members and their sign-in links, the audit log, the headline
variant each lead and order came from (for the funnel), and a ticket's new holder.

Revision ID: 0014
Revises: 0013
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _when(name, nullable=False):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "staff_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("email_index", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        _when("created_at"),
        _when("removed_at", True),
        _when("sessions_valid_after"),
        _when("last_sign_in_at", True),
        sa.Column("totp_secret", sa.Text(), nullable=True),
    )
    op.create_table(
        "staff_sign_ins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_members.id"), nullable=False),
        _when("created_at"),
        _when("expires_at"),
        _when("used_at", True),
    )
    op.create_index("ix_staff_sign_ins_staff_id", "staff_sign_ins", ["staff_id"])
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), primary_key=True),
        _when("at"),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("staff_label", sa.String(120), nullable=False),
        sa.Column("staff_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
    )
    op.create_index("ix_audit_entries_at", "audit_entries", ["at"])
    op.create_index("ix_audit_entries_order", "audit_entries", ["order_id"])
    op.create_index("ix_audit_entries_customer", "audit_entries", ["customer_id"])
    for table in ("leads", "orders"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("headline_variant", sa.String(16), nullable=True))
    with op.batch_alter_table("orders") as batch:
        # Encrypted (v1:<key id>:...), like the buyer's name.
        batch.add_column(sa.Column("attendee_email", sa.Text(), nullable=True))
    # The dashboard counts orders and leads by day: these keep it quick with many.
    op.create_index("ix_orders_created_at", "orders", ["created_at"])
    op.create_index("ix_orders_paid_at", "orders", ["paid_at"])
    op.create_index("ix_leads_created_at", "leads", ["created_at"])


def downgrade():
    op.drop_index("ix_leads_created_at", "leads")
    op.drop_index("ix_orders_paid_at", "orders")
    op.drop_index("ix_orders_created_at", "orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("attendee_email")
    for table in ("orders", "leads"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("headline_variant")
    op.drop_table("audit_entries")
    op.drop_index("ix_staff_sign_ins_staff_id", "staff_sign_ins")
    op.drop_table("staff_sign_ins")
    op.drop_table("staff_members")
