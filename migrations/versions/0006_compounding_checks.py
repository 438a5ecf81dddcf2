"""Compounding checks: aqueous formulas, container capacity, discard limit, cautions, supply
acceptance, weighings not taken from stock

Revision ID: 0006_compounding_checks
Revises: 0005_costs
Create Date: 2026-11-25 21:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_compounding_checks"
down_revision = "0005_costs"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ingredients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("capacity_ml", sa.Numeric(precision=10, scale=2), nullable=True)
        )
    with op.batch_alter_table("master_formulations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("aqueous", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Until now the BUD rule was the only word on water: an aqueous rule meant an aqueous formula.
    op.execute(
        sa.text(
            "UPDATE master_formulations SET aqueous = :yes WHERE bud_rule LIKE 'aqueous%'"
        ).bindparams(yes=True)
    )
    with op.batch_alter_table("compounding_records", schema=None) as batch_op:
        # Records made before the limit existed get its documented default, 10%.
        batch_op.add_column(
            sa.Column(
                "discard_limit_percent",
                sa.Numeric(precision=5, scale=2),
                nullable=False,
                server_default="10",
            )
        )
        batch_op.add_column(sa.Column("cautions", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("supply_warning", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("supply_accepted_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("supply_accepted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_compounding_records_supply_accepted_by", "users", ["supply_accepted_by_id"], ["id"]
        )
    with op.batch_alter_table("record_components", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("from_stock", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade():
    with op.batch_alter_table("record_components", schema=None) as batch_op:
        batch_op.drop_column("from_stock")
    with op.batch_alter_table("compounding_records", schema=None) as batch_op:
        batch_op.drop_constraint("fk_compounding_records_supply_accepted_by", type_="foreignkey")
        batch_op.drop_column("supply_accepted_by_id")
        batch_op.drop_column("supply_accepted_reason")
        batch_op.drop_column("supply_warning")
        batch_op.drop_column("cautions")
        batch_op.drop_column("discard_limit_percent")
    with op.batch_alter_table("master_formulations", schema=None) as batch_op:
        batch_op.drop_column("aqueous")
    with op.batch_alter_table("ingredients", schema=None) as batch_op:
        batch_op.drop_column("capacity_ml")
