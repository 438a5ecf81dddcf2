"""Patient name keys fold accents and apostrophes, so "O’Brien" finds "OBrien"

Revision ID: 0007_patient_name_keys
Revises: 0006_compounding_checks
Create Date: 2026-11-25 22:00:00

"""

import sqlalchemy as sa
from alembic import op

from pharmacy_app.orders.patients import Patient

# revision identifiers, used by Alembic.
revision = "0007_patient_name_keys"
down_revision = "0006_compounding_checks"
branch_labels = None
depends_on = None

patients = sa.table(
    "patients",
    sa.column("id", sa.Integer),
    sa.column("first_name", sa.String),
    sa.column("last_name", sa.String),
    sa.column("name_key", sa.String),
)


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.select(patients.c.id, patients.c.first_name, patients.c.last_name))
    for patient_id, first_name, last_name in rows.all():
        connection.execute(
            patients.update()
            .where(patients.c.id == patient_id)
            .values(name_key=Patient.key_for(first_name, last_name))
        )


def downgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.select(patients.c.id, patients.c.first_name, patients.c.last_name))
    for patient_id, first_name, last_name in rows.all():
        key = f"{' '.join(last_name.split()).casefold()}|{' '.join(first_name.split()).casefold()}"
        connection.execute(
            patients.update().where(patients.c.id == patient_id).values(name_key=key)
        )
