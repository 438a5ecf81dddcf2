"""Sign-in failures: a pause on a client address can be lifted (`flask unlock-address`) while
the failures still count for their usernames

Revision ID: 0014_address_pause_lifted
Revises: 0013_fill_made_for
Create Date: 2026-12-04 03:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_address_pause_lifted"
down_revision = "0013_fill_made_for"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "address_pause_lifted", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_column("address_pause_lifted")
