"""How long a prescription may be filled: PRESCRIPTION_VALID_DAYS from the date written
(settings.py cites the rule). After that no new fill is started or dispensed on it, and the
order shows "renewal needed" until the prescriber renews it."""

from __future__ import annotations

import datetime as dt

from ..settings import settings
from ..workflow import WorkflowError
from .models import Order, OrderStatus

# Orders still being worked on: a closed (dispensed) or rejected order needs no renewal.
OPEN_ORDERS = frozenset(
    {
        OrderStatus.DRAFT,
        OrderStatus.CHECKED,
        OrderStatus.VERIFIED,
        OrderStatus.COMPOUNDED,
    }
)


def valid_until(order: Order) -> dt.date:
    """The last day the prescription may be filled or dispensed: PRESCRIPTION_VALID_DAYS
    after the date written, or after the date received when the date written is missing
    (the earliest date the pharmacy knows the prescription by)."""
    start = order.date_written or order.date_received
    return start + dt.timedelta(days=settings().prescription_valid_days)


def prescription_expired(order: Order, today: dt.date) -> str | None:
    """Why no new fill of this prescription may be made or dispensed on `today` (the
    pharmacy's date); None while it is valid."""
    until = valid_until(order)
    if today <= until:
        return None
    since = (
        f"written {order.date_written:%m/%d/%Y}"
        if order.date_written
        else f"received {order.date_received:%m/%d/%Y}, no date written"
    )
    return (
        f"The prescription {order.rx_number} expired after {until:%m/%d/%Y} ({since}; valid "
        f"{settings().prescription_valid_days} days): renewal needed from the prescriber. "
        "No new fill is made or dispensed on it."
    )


def renewal_needed(order: Order, today: dt.date) -> bool:
    """Whether the order page and the queue say "renewal needed": an open order whose
    prescription has expired."""
    return order.status in OPEN_ORDERS and prescription_expired(order, today) is not None


def refuse_if_prescription_expired(order: Order, today: dt.date) -> None:
    """WorkflowError when the prescription has expired on `today`."""
    problem = prescription_expired(order, today)
    if problem:
        raise WorkflowError(problem)
