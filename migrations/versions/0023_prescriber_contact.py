"""Prescribers: phone and fax numbers

Where a renewal request is phoned or faxed: kept on the prescriber's record from the orders
that give them (the latest order's number wins), as "(503) 555-0142" (phones.py). Existing
prescribers have none until an order gives them.

Revision ID: 0023_prescriber_contact
Revises: 0022_gates_handover_supply
Create Date: 2026-12-04 19:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_prescriber_contact"
down_revision = "0022_gates_handover_supply"
branch_labels = None
depends_on = None


def upgrade():
    # Plain added columns with a server default: no table rebuild on SQLite.
    op.add_column(
        "prescribers", sa.Column("phone", sa.String(length=40), nullable=False, server_default="")
    )
    op.add_column(
        "prescribers", sa.Column("fax", sa.String(length=40), nullable=False, server_default="")
    )


def downgrade():
    with op.batch_alter_table("prescribers", schema=None) as batch_op:
        batch_op.drop_column("fax")
        batch_op.drop_column("phone")
