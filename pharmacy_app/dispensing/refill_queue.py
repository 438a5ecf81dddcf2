"""The refill queue: the refills requested (with the day each is due), and the refills coming
due from each last fill's days supply, so the pharmacy sees in advance what to make; and the
auto-refill run that requests them for the patients who opted in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from ..compounding.models import CompoundingRecord
from ..extensions import db
from ..orders.models import Order, OrderStatus
from ..orders.titration import schedule_of
from ..timeutil import pharmacy_time
from ..workflow import WorkflowError
from .models import AutoRefill, RefillChannel, RefillRequest
from .refills import pending_requests, refills_left_of, request_refill

AUTO_REQUESTER = "auto-refill schedule"


@dataclass(frozen=True)
class Requested:
    request: RefillRequest
    due: dt.date  # the day it may be made (the request's day, or its not-before day)
    refills_left: int


@dataclass(frozen=True)
class ComingDue:
    order: Order
    runs_out: dt.date  # the last fill's days supply ends
    refills_left: int
    auto: bool  # the patient opted into auto-refill


def requested(today: dt.date) -> list[Requested]:
    """The refills asked for and not yet being made, the first due first."""
    requests = pending_requests()
    left = refills_left_of([r.order for r in requests])
    rows = [
        Requested(r, r.due_on or pharmacy_time(r.requested_at).date(), left[r.order_id])
        for r in requests
    ]
    return sorted(rows, key=lambda row: (row.due, row.request.requested_at, row.request.id))


def coming_due(today: dt.date, days: int) -> list[ComingDue]:
    """Orders waiting for a request whose last fill runs out by `today + days` (or already
    has), the first to run out first."""
    last = (
        select(CompoundingRecord.order_id, func.max(CompoundingRecord.dispensed_at).label("last"))
        .where(CompoundingRecord.dispensed_at.is_not(None))
        .group_by(CompoundingRecord.order_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Order, last.c.last, AutoRefill.id)
        .join(last, last.c.order_id == Order.id)
        .outerjoin(AutoRefill, AutoRefill.order_id == Order.id)
        .where(Order.status == OrderStatus.REFILLABLE)
    ).all()
    horizon = today + dt.timedelta(days=days)
    due = [
        (order, pharmacy_time(when).date() + dt.timedelta(days=order.days_supply), auto)
        for order, when, auto in rows
    ]
    # A titration is not refilled (refills.titration_refill_problem): it waits for renewal.
    due = [row for row in due if row[1] <= horizon and not schedule_of(row[0])]
    left = refills_left_of([order for order, _, _ in due])
    return sorted(
        (
            ComingDue(order, runs_out, left[order.id], auto is not None)
            for order, runs_out, auto in due
        ),
        key=lambda row: (row.runs_out, row.order.rx_number),
    )


def auto_refill_run(today: dt.date, days: int) -> tuple[list[RefillRequest], list[str]]:
    """Request the refill of every opted-in order coming due within `days`: the requests
    made, and why any could not be. Run twice, it asks nothing twice (a requested order no
    longer waits for a request)."""
    made: list[RefillRequest] = []
    refused: list[str] = []
    for row in coming_due(today, days):
        if not row.auto:
            continue
        try:
            with db.session.begin_nested():
                made.append(
                    request_refill(row.order, AUTO_REQUESTER, RefillChannel.AUTO, None, today=today)
                )
        except WorkflowError as error:
            refused.append(f"{row.order.rx_number}: {error}")
    return made, refused
