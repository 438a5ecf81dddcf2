"""Fills: the prescription each fill was made for (form, strength, quantity)

A fill keeps the order's dosage form, strength and quantity as they stood when it was started,
so weighing, sign-off, labelling and dispensing can refuse a fill that no longer matches the
prescription. Fills started before this migration keep None: for them the formula is compared
with the order as it stands.

Revision ID: 0013_fill_made_for
Revises: 0012_exactly_once
Create Date: 2026-12-04 02:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_fill_made_for"
down_revision = "0012_exactly_once"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("compounding_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("made_for", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("compounding_records", schema=None) as batch_op:
        batch_op.drop_column("made_for")
