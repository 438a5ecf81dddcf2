"""Label stocks: a thermal printer's resolution and network address, for ZPL

A roll stock is printed as ZPL as well as PDF (labels/zpl.py): laid out in the dots of its
printer, 203 dpi (the default, and every stock's until now) or 300 dpi, and sent over raw TCP
to its printer when a host is set (port 9100 by default). The columns are added in place,
without rebuilding the table (on SQLite a rebuild would lose the index on the folded name);
the model refuses a resolution or a port out of range.

Revision ID: 0026_label_zpl
Revises: 0025_label_fields
Create Date: 2026-12-07 09:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026_label_zpl"
down_revision = "0025_label_fields"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "label_stocks", sa.Column("dpi", sa.Integer(), nullable=False, server_default="203")
    )
    op.add_column("label_stocks", sa.Column("printer_host", sa.String(length=253), nullable=True))
    op.add_column(
        "label_stocks",
        sa.Column("printer_port", sa.Integer(), nullable=False, server_default="9100"),
    )


def downgrade():
    # In place too: SQLite drops a column since 3.35.
    for column in ("printer_port", "printer_host", "dpi"):
        op.drop_column("label_stocks", column)
