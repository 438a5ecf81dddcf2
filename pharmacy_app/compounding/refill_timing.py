"""When a refill may be made: the refill-too-soon rule, judged for a given day. It reads only
the order's fills, so every step that makes or hands out a refill asks it (the request, the
start of compounding, dispensing) from the feature that owns that step."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, select

from ..checks.findings import plain
from ..extensions import db
from ..orders.models import Order
from ..settings import settings
from ..timeutil import pharmacy_time
from ..workflow import WorkflowError
from .models import CompoundingRecord, RecordStatus


@dataclass(frozen=True)
class TooSoon:
    """A refill judged before enough of the previous fill's supply has been used."""

    previous_batch: str
    previous_on: dt.date  # the pharmacy's date the previous fill was dispensed
    days_supply: int
    percent: Decimal
    due: dt.date  # the first day the refill is not too soon
    on: dt.date  # the day being judged
    # Days of earlier fills' supply the patient still had when the previous fill was
    # dispensed (an early refill): its supply starts after theirs.
    carried_days: int = 0

    @property
    def message(self) -> str:
        days = (self.on - self.previous_on).days
        ago = {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")
        return (
            f"Refill too soon: the previous fill ({self.previous_batch}, {self.days_supply} "
            f"days' supply) was dispensed on {self.previous_on:%m/%d/%Y}, {ago}"
            + (
                f", while {self.carried_days} days of the fills before it were still on hand"
                if self.carried_days
                else ""
            )
            + f". {plain(self.percent)}% of its supply is used on "
            f"{self.due:%m/%d/%Y}; a pharmacist must acknowledge an earlier refill, with the "
            "reason (a trip, a dose change, a lost supply)."
        )


class RefillTooSoon(WorkflowError):
    """A step refused until a pharmacist acknowledges the early refill."""

    def __init__(self, too_soon: TooSoon) -> None:
        super().__init__(too_soon.message)
        self.too_soon = too_soon


def refill_too_soon_percent() -> Decimal:
    """REFILL_TOO_SOON_PERCENT (settings.py, where its default is explained)."""
    return settings().refill_too_soon_percent


def _dispensed(order: Order, before_fill: int | None = None) -> Select[CompoundingRecord]:
    """The order's fills dispensed (numbered below `before_fill`), not discarded."""
    query = select(CompoundingRecord).where(
        CompoundingRecord.order_id == order.id,
        CompoundingRecord.dispensed_at.is_not(None),
        CompoundingRecord.status != RecordStatus.DISCARDED,
    )
    if before_fill is not None:
        query = query.where(CompoundingRecord.fill_number < before_fill)
    return query


def last_dispensed(order: Order, before_fill: int | None = None) -> CompoundingRecord | None:
    """The order's most recently dispensed fill (of those numbered below `before_fill`)."""
    query = _dispensed(order, before_fill)
    return db.session.scalars(
        query.order_by(CompoundingRecord.dispensed_at.desc()).limit(1)
    ).first()


def refill_too_soon_on(order: Order, fill_number: int, on: dt.date) -> TooSoon | None:
    """Whether fill `fill_number` of the order, judged on the pharmacy's date `on`, comes
    before the share of the previous fill's days supply set by REFILL_TOO_SOON_PERCENT has
    passed; None for a first fill, or when the rule is off (0%)."""
    percent = refill_too_soon_percent()
    last = _last_supply(order, fill_number)
    if percent == 0 or last is None:
        return None
    fill, handed_on, supply_from = last
    days_supply = order.days_supply
    due = supply_from + dt.timedelta(days=math.ceil(days_supply * percent / 100))
    if on >= due:
        return None
    carried = (supply_from - handed_on).days
    return TooSoon(fill.batch_number, handed_on, days_supply, percent, due, on, carried)


def supply_runs_out(order: Order) -> dt.date | None:
    """The pharmacy's date the patient's supply runs out: the last fill's days supply from
    the day it really starts (after what earlier fills left, when it came early)."""
    last = _last_supply(order)
    if last is None:
        return None
    return last[2] + dt.timedelta(days=order.days_supply)


def _last_supply(
    order: Order, before_fill: int | None = None
) -> tuple[CompoundingRecord, dt.date, dt.date] | None:
    """The last fill dispensed (numbered below `before_fill`), the day it was handed over and
    the day its supply starts: each fill's supply starts when it is handed over, or when the
    supply before it runs out if that is later (an early refill adds to what the patient
    holds). None when nothing was dispensed."""
    query = _dispensed(order, before_fill)
    supply_from, last = dt.date.min, None
    for fill in db.session.scalars(query.order_by(CompoundingRecord.dispensed_at)):
        handed_on = pharmacy_time(fill.dispensed_at).date()  # type: ignore[arg-type]
        supply_from = max(handed_on, supply_from)
        last = (fill, handed_on, supply_from)
        supply_from += dt.timedelta(days=order.days_supply)
    return last
