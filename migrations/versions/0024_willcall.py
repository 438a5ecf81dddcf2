"""Fills: a fill not collected, returned to stock or discarded from will-call

A signed-off fill that waited for pick-up and was not collected is returned to stock or
discarded by a pharmacist (dispensing/will_call.py): what became of it, when and who; the
reason goes into the fill's notes.

Revision ID: 0024_willcall
Revises: 0023_prescriber_contact
Create Date: 2026-12-06 09:00:00

"""

import warnings
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_willcall"
down_revision = "0023_prescriber_contact"
branch_labels = None
depends_on = None


@contextmanager
def _rebuilding_fills():
    """The fills' table altered in batch: on SQLite, a new foreign key rebuilds the table,
    reflecting the tables it refers to. SQLAlchemy cannot reflect the formulas' index on a
    folded name (0015) and says so; the index is not on this table and is left as it is."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="Skipped unsupported reflection of expression-based index",
            category=sa.exc.SAWarning,
        )
        with op.batch_alter_table("compounding_records", schema=None) as batch_op:
            yield batch_op


def upgrade():
    with _rebuilding_fills() as batch_op:
        batch_op.add_column(sa.Column("uncollected", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("uncollected_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("uncollected_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_compounding_records_uncollected_by", "users", ["uncollected_by_id"], ["id"]
        )


def downgrade():
    with _rebuilding_fills() as batch_op:
        batch_op.drop_constraint("fk_compounding_records_uncollected_by", type_="foreignkey")
        batch_op.drop_column("uncollected_by_id")
        batch_op.drop_column("uncollected_at")
        batch_op.drop_column("uncollected")
