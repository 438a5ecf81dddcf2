"""An order's row lock and its history: every change to an order or its fill takes the lock
first and is recorded as an event under the order."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ..workflow import lock_row
from .models import Order, OrderEvent

if TYPE_CHECKING:
    from ..accounts.models import User


def lock_order(order: Order) -> None:
    """Take the order's row lock for the rest of the transaction, then re-read it: a change
    to an order, or to one of its fills, checks the state it starts from under this lock, so
    two workers acting at once are served one after the other (PostgreSQL locks the row; on
    SQLite the write takes the database's write lock)."""
    lock_row(order, Order.updated_at)


def record_event(
    order: Order, user: User | None, kind: str, detail: str = "", at: dt.datetime | None = None
) -> None:
    event = OrderEvent(user=user, kind=kind, detail=detail)
    if at is not None:
        event.at = at
    order.events.append(event)
