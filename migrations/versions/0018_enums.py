"""States kept as enums: the columns that held an enum's values without a CHECK get one

The models now declare each state column as its enum (`extensions.stored_enum`: a VARCHAR
with a named CHECK listing the values). Orders, users, compounding records and account events
had theirs already, under the same names; these four columns had none.

Revision ID: 0018_enums
Revises: 0017_prescriber_licence_key
Create Date: 2026-12-05 01:00:00

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_enums"
down_revision = "0017_prescriber_licence_key"
branch_labels = None
depends_on = None

# (table, constraint, condition), as the models' enums give them.
CHECKS = (
    ("order_checks", "ck_order_checks_verdict", "verdict IN ('pass', 'warn', 'block')"),
    (
        "ingredients",
        "ck_ingredients_kind",
        "kind IN ('active_powder', 'tablet', 'filler', 'vehicle', 'capsule_shell', 'container')",
    ),
    ("lot_adjustments", "ck_lot_adjustments_kind", "kind IN ('count', 'quarantine', 'release')"),
    (
        "compounding_records",
        "ck_compounding_records_dispense_method",
        "dispense_method IN ('picked_up', 'shipped')",
    ),
)


# SQLite rebuilds a table to change its constraints, and the rebuild would lose this index
# on an expression (migration 0016), which it cannot reflect: it is dropped and made again.
FOLDED_INDEX = ("ingredients", "uq_ingredients_name_folded")


def upgrade():
    for table, name, condition in CHECKS:
        with _rebuilding(table) as batch_op:
            batch_op.create_check_constraint(name, condition)


def downgrade():
    for table, name, _condition in reversed(CHECKS):
        with _rebuilding(table) as batch_op:
            batch_op.drop_constraint(name, type_="check")


@contextmanager
def _rebuilding(table):
    folded = table == FOLDED_INDEX[0]
    if folded:
        op.drop_index(FOLDED_INDEX[1], table_name=table)
    # Not reflecting the tables it refers to keeps SQLite from looking at their indexes.
    with op.batch_alter_table(
        table, schema=None, reflect_kwargs={"resolve_fks": False}
    ) as batch_op:
        yield batch_op
    if folded:
        op.create_index(FOLDED_INDEX[1], table, [sa.literal_column("lower(name)")], unique=True)
