"""Accounts hardening: failed sign-ins counted per client address too, the addresses that
signed in successfully as a user, and an account event log (revoked tokens, resets, unlocks)

Revision ID: 0011_accounts_hardening
Revises: 0010_labels_dispensing
Create Date: 2026-12-04 01:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_accounts_hardening"
down_revision = "0010_labels_dispensing"
branch_labels = None
depends_on = None


def upgrade():
    # Failures stored before this revision have no address; they still count per username.
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("address", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_index("ix_sign_in_failures_address_at", ["address", "at"], unique=False)
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.alter_column("address", existing_type=sa.String(length=64), server_default=None)

    op.create_table(
        "known_sign_in_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("known_sign_in_addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_sign_in_addresses_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_known_sign_in_addresses_username_address", ["username", "address"], unique=False
        )

    op.create_table(
        "account_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('password_changed', 'password_reset', 'token_revoked', 'unlocked')",
            name="ck_account_events_kind",
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("account_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_events_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("account_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_events_user_id"))
    op.drop_table("account_events")
    with op.batch_alter_table("known_sign_in_addresses", schema=None) as batch_op:
        batch_op.drop_index("ix_known_sign_in_addresses_username_address")
        batch_op.drop_index(batch_op.f("ix_known_sign_in_addresses_at"))
    op.drop_table("known_sign_in_addresses")
    with op.batch_alter_table("sign_in_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failures_address_at")
        batch_op.drop_column("address")
