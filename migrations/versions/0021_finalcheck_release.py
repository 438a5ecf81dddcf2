"""Fills: the pharmacist's signed release at the final check, and the hand-over record

A fill leaves the pharmacy only after a pharmacist has scanned its label and container and
released it with a signature (who, when and its meaning, 21 CFR 11.50); the dispensing keeps
who collected it or how it was shipped, and the counselling offer (`handover`, JSON).

Revision ID: 0021_finalcheck_release
Revises: 0020_titration_substitutions
Create Date: 2026-12-05 09:00:00

"""

import warnings
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_finalcheck_release"
# Chained after 0018_enums (merged from main while this branch was open).
down_revision = "0020_titration_substitutions"
branch_labels = None
depends_on = None


@contextmanager
def _fills_table():
    """SQLite adds a foreign key by copying the table (batch mode), which reflects the tables
    it refers to: SQLAlchemy cannot reflect the formulas' expression index (uq_mfr_current_name)
    and says so. That table is not copied, so its index is kept."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", "Skipped unsupported reflection of expression-based index", sa.exc.SAWarning
        )
        with op.batch_alter_table("compounding_records") as batch_op:
            yield batch_op


def upgrade():
    with _fills_table() as batch_op:
        batch_op.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("released_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("release_meaning", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("handover", sa.JSON(), nullable=True))
        batch_op.create_foreign_key(
            "fk_compounding_records_released_by", "users", ["released_by_id"], ["id"]
        )


def downgrade():
    with _fills_table() as batch_op:
        batch_op.drop_constraint("fk_compounding_records_released_by", type_="foreignkey")
        batch_op.drop_column("handover")
        batch_op.drop_column("release_meaning")
        batch_op.drop_column("released_by_id")
        batch_op.drop_column("released_at")
