"""Ingredients and label stocks: one of a name, in any case (names folded to lower case)

A unique index on lower(name) for each, as 0015 made for current formulas, so that two saves of
"Mannitol NF" and "mannitol nf" at once (two workers, two tabs) cannot both be stored: the
second is refused by the database however the saves interleave. The exact-case unique
constraints of 0003 and 0004 stay; the folded index is the stricter of the two.

Names that already differ only in case (saved by that race before this migration) are kept:
the earliest with its name, the others with the first free " (2)", " (3)"... added to it, so
that each can still be told apart and nothing is lost. A downgrade leaves the new names.

Revision ID: 0016_catalogue_names_folded
Revises: 0015_catalogue_unique
Create Date: 2026-12-05 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_catalogue_names_folded"
down_revision = "0015_catalogue_unique"
branch_labels = None
depends_on = None

# Table, folded index, and the name column's length.
CATALOGUES = [
    ("ingredients", "uq_ingredients_name_folded", 200),
    ("label_stocks", "uq_label_stocks_name_folded", 120),
]


def upgrade():
    for table, index, length in CATALOGUES:
        _tell_apart_case_namesakes(table, length)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(index, [sa.literal_column("lower(name)")], unique=True)


def downgrade():
    for table, index, _ in reversed(CATALOGUES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)


def _tell_apart_case_namesakes(table_name, length):
    """Rename all but the earliest of each set of names equal in any case. The database folds
    the names, as its index will, so that what is told apart here is what the index compares."""
    connection = op.get_bind()
    table = sa.table(table_name, sa.column("id", sa.Integer), sa.column("name", sa.String))
    rows = connection.execute(
        sa.select(table.c.id, table.c.name, sa.func.lower(table.c.name).label("folded")).order_by(
            table.c.id
        )
    ).all()
    taken = {row.folded for row in rows}
    kept = set()
    for row in rows:
        if row.folded not in kept:
            kept.add(row.folded)
            continue
        number = 2
        while True:
            suffix = f" ({number})"
            renamed = row.name[: length - len(suffix)] + suffix
            folded = connection.scalar(sa.select(sa.func.lower(renamed)))
            if folded not in taken:
                break
            number += 1
        connection.execute(sa.update(table).where(table.c.id == row.id).values(name=renamed))
        taken.add(folded)
        kept.add(folded)
