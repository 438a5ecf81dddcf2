"""Fills: a pharmacist's acceptance of a supply the BUD cuts short when handed over

Counted from the day a fill is labelled or dispensed, its beyond-use date may come before the
patient could use the supply by the directions; a pharmacist may accept that with a reason
(compounding/expiry.py). The warning as accepted, the reason, who and when.

Revision ID: 0022_gates_handover_supply
Revises: 0021_finalcheck_release
Create Date: 2026-12-04 05:00:00

"""

import warnings
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_gates_handover_supply"
down_revision = "0021_finalcheck_release"
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
        batch_op.add_column(sa.Column("handover_supply_warning", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("handover_supply_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("handover_supply_accepted_by_id", sa.Integer(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("handover_supply_accepted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            "fk_compounding_records_handover_supply_by",
            "users",
            ["handover_supply_accepted_by_id"],
            ["id"],
        )


def downgrade():
    with _rebuilding_fills() as batch_op:
        batch_op.drop_constraint("fk_compounding_records_handover_supply_by", type_="foreignkey")
        batch_op.drop_column("handover_supply_accepted_at")
        batch_op.drop_column("handover_supply_accepted_by_id")
        batch_op.drop_column("handover_supply_reason")
        batch_op.drop_column("handover_supply_warning")
