"""Prescribers: licence numbers and states kept in the form they are compared in

A licence number is kept as its letters and digits in upper case ("QA-56622" -> "QA56622") and
a state as its USPS code where it reads as one ("California" -> "CA"), the way new records are
kept (orders.prescribers.licence_key and state_key), so that a prescription writing either
finds the records of that licence. The order documents keep what was written. Not undone by a
downgrade: the written forms are in the order documents.

Revision ID: 0017_prescriber_licence_key
Revises: 0016_catalogue_names_folded
Create Date: 2026-12-04 03:00:00

"""

import re

import sqlalchemy as sa
from alembic import op

from pharmacy_app.checks.rules.prescriber import state_code

# revision identifiers, used by Alembic.
revision = "0017_prescriber_licence_key"
down_revision = "0016_catalogue_names_folded"
branch_labels = None
depends_on = None

prescribers = sa.table(
    "prescribers",
    sa.column("id", sa.Integer),
    sa.column("license_number", sa.String),
    sa.column("state", sa.String),
)


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(prescribers.c.id, prescribers.c.license_number, prescribers.c.state)
    ).all()
    for row in rows:
        licence = re.sub(r"[^0-9A-Z]", "", (row.license_number or "").upper())[:200]
        state = state_code(row.state or "") or (row.state or "").strip().upper()[:40]
        if (licence, state) != (row.license_number, row.state):
            connection.execute(
                prescribers.update()
                .where(prescribers.c.id == row.id)
                .values(license_number=licence, state=state)
            )


def downgrade():
    pass
