"""Lot adjustments: stock counts, quarantine and release, each with its reason

Revision ID: 0009_lot_adjustments
Revises: 0008_accounts_security
Create Date: 2026-11-25 22:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_lot_adjustments"
down_revision = "0008_accounts_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("quarantined", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "lot_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("on_hand_before", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("on_hand_after", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lot_adjustments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_adjustments_lot_id"), ["lot_id"], unique=False)


def downgrade():
    with op.batch_alter_table("lot_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lot_adjustments_lot_id"))
    op.drop_table("lot_adjustments")
    with op.batch_alter_table("lots", schema=None) as batch_op:
        batch_op.drop_column("quarantined")
