"""States kept as enums: two state columns that had no CHECK get one

The models now declare each state column as its enum (`extensions.stored_enum`: a VARCHAR
with a named CHECK listing the values). Orders, users, compounding records and account events
had theirs already, under the same names; check verdicts and lot adjustment kinds had none.
(Ingredient kinds and dispense methods stay without one: SQLite adds a CHECK only by
rebuilding the table, and other tables' rows refer to those tables.)

Revision ID: 0018_enums
Revises: 0017_prescriber_licence_key
Create Date: 2026-12-05 01:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_enums"
down_revision = "0017_prescriber_licence_key"
branch_labels = None
depends_on = None

# (table, constraint, condition), as the models' enums give them.
CHECKS = (
    ("order_checks", "ck_order_checks_verdict", "verdict IN ('pass', 'warn', 'block')"),
    ("lot_adjustments", "ck_lot_adjustments_kind", "kind IN ('count', 'quarantine', 'release')"),
)


def upgrade():
    for table, name, condition in CHECKS:
        # Not reflecting the tables it refers to keeps SQLite's rebuild from reading their
        # indexes on expressions, which it cannot reflect.
        with op.batch_alter_table(table, reflect_kwargs={"resolve_fks": False}) as batch_op:
            batch_op.create_check_constraint(name, condition)


def downgrade():
    for table, name, _condition in reversed(CHECKS):
        with op.batch_alter_table(table, reflect_kwargs={"resolve_fks": False}) as batch_op:
            batch_op.drop_constraint(name, type_="check")
