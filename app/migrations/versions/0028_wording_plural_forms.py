"""Wording overrides of plural messages: which form (0 one, 1 several) a text is for.

Existing rows are singular messages' texts and keep NULL. A row kept for a msgid that
has since become plural is not moved to a form: the editor lists it as no longer used,
with its text, so marketing re-enters it where it belongs (its placeholders may differ).

Revision ID: 0028
Revises: 0027
Created: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("wording_overrides", sa.Column("form", sa.Integer(), nullable=True))


def downgrade():
    # Plural forms' texts mean nothing to a shop without them.
    op.execute("DELETE FROM wording_overrides WHERE form IS NOT NULL")
    with op.batch_alter_table("wording_overrides") as batch:
        batch.drop_column("form")
