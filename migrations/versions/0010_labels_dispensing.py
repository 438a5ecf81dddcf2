"""Labels and dispensing: the label stocks' id sequence follows the preset stocks

0004_labels inserted the five preset stocks with explicit ids 1-5. On PostgreSQL that does not
advance the id sequence, so the first five stocks an admin added failed on a duplicate key.
The sequence now continues after the highest id. SQLite takes the next id from the table.

Revision ID: 0010_labels_dispensing
Revises: 0009_lot_adjustments
Create Date: 2026-11-26 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_labels_dispensing"
down_revision = "0009_lot_adjustments"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # is_called false: the next id given is exactly the one after the highest (1 when none).
        op.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('label_stocks', 'id'), "
                "COALESCE((SELECT MAX(id) FROM label_stocks), 0) + 1, false)"
            )
        )


def downgrade():
    # Nothing to undo: a sequence that continues after the highest id is right either way.
    pass
