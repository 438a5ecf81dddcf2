"""When a refill may be made: the refill-too-soon rule, judged for a given day. It reads only
the order's fills, so every step that makes or hands out a refill asks it (the request, the
start of compounding, dispensing) from the feature that owns that step."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

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


def last_dispensed(order: Order, before_fill: int | None = None) -> CompoundingRecord | None:
    """The order's most recently dispensed fill (of those numbered below `before_fill`)."""
    query = select(CompoundingRecord).where(
        CompoundingRecord.order_id == order.id,
        CompoundingRecord.dispensed_at.is_not(None),
        CompoundingRecord.status != RecordStatus.DISCARDED,
    )
    if before_fill is not None:
        query = query.where(CompoundingRecord.fill_number < before_fill)
    return db.session.scalars(
        query.order_by(CompoundingRecord.dispensed_at.desc()).limit(1)
    ).first()


def refill_too_soon_on(order: Order, fill_number: int, on: dt.date) -> TooSoon | None:
    """Whether fill `fill_number` of the order, judged on the pharmacy's date `on`, comes
    before the share of the previous fill's days supply set by REFILL_TOO_SOON_PERCENT has
    passed; None for a first fill, or when the rule is off (0%)."""
    percent = refill_too_soon_percent()
    if percent == 0:
        return None
    dispensed = list(
        db.session.scalars(
            select(CompoundingRecord)
            .where(
                CompoundingRecord.order_id == order.id,
                CompoundingRecord.dispensed_at.is_not(None),
                CompoundingRecord.status != RecordStatus.DISCARDED,
                CompoundingRecord.fill_number < fill_number,
            )
            .order_by(CompoundingRecord.dispensed_at)
        )
    )
    if not dispensed:
        return None
    days_supply = order.days_supply
    # Each fill's supply starts when it is handed over, or when the supply before it runs
    # out if that is later (an early refill adds to what the patient holds): the refill is
    # judged against the day the last fill's supply really starts.
    supply_from = dt.date.min
    for fill in dispensed:
        handed_on = pharmacy_time(fill.dispensed_at).date()  # type: ignore[arg-type]
        supply_from = max(handed_on, supply_from)
        last_from, last_on, last = supply_from, handed_on, fill
        supply_from += dt.timedelta(days=days_supply)
    due = last_from + dt.timedelta(days=math.ceil(days_supply * percent / 100))
    if on >= due:
        return None
    carried = (last_from - last_on).days
    return TooSoon(last.batch_number, last_on, days_supply, percent, due, on, carried)
