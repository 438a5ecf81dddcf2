"""Formulas: one current formula of a name (names folded to lower case)

A partial unique index on lower(name) among current formulas, so that two saves of a new
formula at once (two workers, two tabs) cannot both make a current formula of one name: the
second is refused by the database however the saves interleave. Old versions are left out,
since a new version keeps its family's name.

Current formulas that already share a name (made by that race before this migration) are kept,
the earliest with its name and the others with their family added to it ("LDN 4.5 mg
(ldn-4-5-mg-2)"), so that each can still be told apart and nothing is lost.

Revision ID: 0015_catalogue_unique
Revises: 0014_address_pause_lifted
Create Date: 2026-12-04 02:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_catalogue_unique"
down_revision = "0014_address_pause_lifted"
branch_labels = None
depends_on = None

NAME_LENGTH = 200
formulas = sa.table(
    "master_formulations",
    sa.column("id", sa.Integer),
    sa.column("family", sa.String),
    sa.column("name", sa.String),
    sa.column("is_current", sa.Boolean),
)


def upgrade():
    _tell_apart_current_namesakes()
    with op.batch_alter_table("master_formulations", schema=None) as batch_op:
        batch_op.create_index(
            "uq_mfr_current_name",
            [sa.literal_column("lower(name)")],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )


def downgrade():
    with op.batch_alter_table("master_formulations", schema=None) as batch_op:
        batch_op.drop_index("uq_mfr_current_name")


def _tell_apart_current_namesakes():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(formulas.c.id, formulas.c.family, formulas.c.name)
        .where(formulas.c.is_current.is_(True))
        .order_by(formulas.c.id)
    ).all()
    seen = set()
    for row in rows:
        folded = connection.scalar(sa.select(sa.func.lower(row.name)))
        if folded not in seen:
            seen.add(folded)
            continue
        suffix = f" ({row.family})"
        renamed = row.name[: NAME_LENGTH - len(suffix)] + suffix
        connection.execute(sa.update(formulas).where(formulas.c.id == row.id).values(name=renamed))
        seen.add(connection.scalar(sa.select(sa.func.lower(renamed))))
