"""Substitutions: a vehicle or filler other than the prescription's, and its decision

One row per difference between a fill's formula and its prescription, with the pharmacist's
decision (reason, prescriber consulted and when, who decided). Fills started before it have
none: their vehicle notes stay in their cautions.

Revision ID: 0020_titration_substitutions
Revises: 0019_refills_requests
Create Date: 2026-12-05 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_titration_substitutions"
down_revision = "0019_refills_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "substitutions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "record_id", sa.Integer(), sa.ForeignKey("compounding_records.id"), nullable=False
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("prescribed", sa.String(500), nullable=False),
        sa.Column("used", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("prescriber_consulted", sa.String(200)),
        sa.Column("consulted_on", sa.Date()),
        sa.Column(
            "decided_by_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_substitutions_decided_by"),
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("kind IN ('vehicle', 'filler')", name="ck_substitutions_kind"),
    )
    op.create_index("ix_substitutions_record_id", "substitutions", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_substitutions_record_id", table_name="substitutions")
    op.drop_table("substitutions")
