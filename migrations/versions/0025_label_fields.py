"""Labels: the order's purpose, a formula's physical description, family-name-first names

What the state label profiles ask for (labels/profiles.py): the purpose, when prescribed, in
the critical block (USP <17>, 16 CCR 1707.5); the medicine's physical description (OAR
855-041-1130); and a patient's name printed in the order their record gives (王芳, not
芳 王). Existing rows get none: "" and given name first, as they printed until now.

Revision ID: 0025_label_fields
Revises: 0024_willcall
Create Date: 2026-12-04 20:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_label_fields"
down_revision = "0024_willcall"
branch_labels = None
depends_on = None


def upgrade():
    # Plain added columns with server defaults: no table rebuild on SQLite.
    op.add_column(
        "orders", sa.Column("purpose", sa.String(length=200), nullable=False, server_default="")
    )
    op.add_column(
        "master_formulations",
        sa.Column("physical_description", sa.String(length=200), nullable=False, server_default=""),
    )
    op.add_column(
        "patients",
        sa.Column("family_name_first", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later, PostgreSQL): no table rebuild, so
    # the formulas' index on a folded name (0015) stays as it is.
    op.drop_column("patients", "family_name_first")
    op.drop_column("master_formulations", "physical_description")
    op.drop_column("orders", "purpose")
