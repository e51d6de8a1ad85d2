"""Marketing consent withdrawn: when and why (Kit's unsubscribe, bounce or complaint, or
the lead form), so a withdrawal outlives the requests made before it.

Revision ID: 0019
Revises: 0018
Created: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("leads") as batch:
        batch.add_column(
            sa.Column("marketing_withdrawn_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("marketing_withdrawn_reason", sa.String(32), nullable=True))


def downgrade():
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("marketing_withdrawn_reason")
        batch.drop_column("marketing_withdrawn_at")
