"""A privacy-centre visit is closed on the server, for every copy of the cookie.

Revision ID: 0011
Revises: 0010
Created: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("privacy_requests") as batch:
        batch.add_column(sa.Column("visit_closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("privacy_requests") as batch:
        batch.drop_column("visit_closed_at")
