"""Refills on request: refill requests, auto-refill opt-ins, and the order status "refillable"

An order with a fill dispensed and refills left now waits as "refillable" (refills on file)
until a refill is requested, instead of going back to "verified" (to compound). Orders already
waiting that way (verified, with a dispensed fill and none open) become refillable; the
downgrade makes them verified again.

SQLite changes a CHECK only by rebuilding the table, and rebuilding `orders` would drop it
with foreign keys on (its children's rows would go with it, or the drop be refused): there the
CHECK's text is changed in the schema in place, as SQLite's documentation describes for
changes that leave the stored rows valid (https://www.sqlite.org/lang_altertable.html,
"Making Other Kinds Of Table Schema Changes").

Revision ID: 0019_refills_requests
Revises: 0018_enums
Create Date: 2026-12-05 02:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_refills_requests"
down_revision = "0018_enums"
branch_labels = None
depends_on = None

BEFORE = "status IN ('draft', 'checked', 'verified', 'rejected', 'compounded', 'dispensed')"
AFTER = (
    "status IN ('draft', 'checked', 'verified', 'rejected', 'compounded', "
    "'refillable', 'dispensed')"
)
OPEN = sa.text("state = 'open'")

# Verified orders whose fills are all dispensed (at least one): waiting for a refill request.
WAITING_FOR_A_REQUEST = """
UPDATE orders SET status = 'refillable'
WHERE status = 'verified'
  AND EXISTS (SELECT 1 FROM compounding_records r
              WHERE r.order_id = orders.id AND r.dispensed_at IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM compounding_records r
                  WHERE r.order_id = orders.id AND r.dispensed_at IS NULL
                    AND r.status != 'discarded')
"""


def _status_check(old, new):
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint("ck_orders_status", "orders", type_="check")
        op.create_check_constraint("ck_orders_status", "orders", new)
        return
    sql = bind.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'orders'")
    ).scalar_one()
    if old not in sql:
        raise RuntimeError(f"orders: the CHECK {old!r} is not in the table's schema")
    version = bind.execute(sa.text("PRAGMA schema_version")).scalar_one()
    bind.execute(sa.text("PRAGMA writable_schema = ON"))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'orders'"),
        {"sql": sql.replace(old, new)},
    )
    bind.execute(sa.text(f"PRAGMA schema_version = {int(version) + 1}"))
    bind.execute(sa.text("PRAGMA writable_schema = OFF"))


def upgrade():
    op.create_table(
        "refill_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("early_reason", sa.Text(), nullable=True),
        sa.Column("early_by_id", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_reason", sa.Text(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('counter', 'phone', 'api', 'auto')", name="ck_refill_requests_channel"
        ),
        sa.CheckConstraint(
            "state IN ('open', 'started', 'cancelled')", name="ck_refill_requests_state"
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["users.id"], name="fk_refill_requests_entered_by"
        ),
        sa.ForeignKeyConstraint(["early_by_id"], ["users.id"], name="fk_refill_requests_early_by"),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["users.id"], name="fk_refill_requests_cancelled_by"
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["compounding_records.id"], name="fk_refill_requests_record"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_refill_requests_order_id", "refill_requests", ["order_id"])
    op.create_index("ix_refill_requests_record_id", "refill_requests", ["record_id"])
    op.create_index(
        "ix_refill_requests_one_open",
        "refill_requests",
        ["order_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_table(
        "auto_refills",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["enrolled_by_id"], ["users.id"], name="fk_auto_refills_enrolled_by"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("order_id"),
    )
    _status_check(BEFORE, AFTER)
    op.execute(WAITING_FOR_A_REQUEST)


def downgrade():
    op.execute("UPDATE orders SET status = 'verified' WHERE status = 'refillable'")
    _status_check(AFTER, BEFORE)
    op.drop_table("auto_refills")
    op.drop_index("ix_refill_requests_one_open", table_name="refill_requests")
    op.drop_index("ix_refill_requests_record_id", table_name="refill_requests")
    op.drop_index("ix_refill_requests_order_id", table_name="refill_requests")
    op.drop_table("refill_requests")
