"""The documents issued for each order (its invoice-receipt and a credit note per refund),
and the company an order's invoice goes to.

Revision ID: 0015
Revises: 0014
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invoice_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Uuid(), sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider", sa.String(24), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("pdf_url", sa.String(1000), nullable=True),
        sa.Column("public_token", sa.String(64), nullable=False, unique=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("vat_cents", sa.Integer(), nullable=False),
        sa.Column("vat_rate", sa.Numeric(5, 4), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        # Encrypted (v1:<key id>:...), kept with the invoice as the law asks.
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("nif", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("order_id", "kind", "sequence", name="uq_invoice_documents_event"),
    )
    op.create_index("ix_invoice_documents_order_id", "invoice_documents", ["order_id"])
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("company_name", sa.Text(), nullable=True))
        batch.add_column(sa.Column("company_address", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("company_address")
        batch.drop_column("company_name")
    op.drop_index("ix_invoice_documents_order_id", "invoice_documents")
    op.drop_table("invoice_documents")
