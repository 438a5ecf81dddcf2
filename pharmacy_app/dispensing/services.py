"""Dispensing a fill (picked up or shipped), the refill-too-soon check, and a pharmacist's
reversal of a dispensing recorded by mistake.

Each function takes the order's row lock first and checks the fill's state under it: two
people recording the same fill at once are served one after the other, and the second is told
what the first did."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from ..accounts.models import Permission, User
from ..checks.findings import plain
from ..compounding.expiry import refuse_if_expired
from ..compounding.models import CompoundingRecord, DispenseMethod, RecordStatus
from ..compounding.services import fill_mismatch
from ..costs.models import CostRecord
from ..costs.services import freeze_cost, void_cost
from ..extensions import db
from ..labels.models import LabelPrint
from ..orders.history import lock_order, record_event
from ..orders.models import OrderStatus
from ..orders.validity import refuse_if_prescription_expired
from ..settings import settings
from ..timeutil import pharmacy_time, utcnow
from ..workflow import MIN_REASON, WorkflowError

DISPENSE_METHODS = {
    DispenseMethod.PICKED_UP: "picked up by the patient",
    DispenseMethod.SHIPPED: "shipped",
}


@dataclass(frozen=True)
class TooSoon:
    """A refill dispensed before enough of the previous fill's supply has been used."""

    previous_batch: str
    previous_on: dt.date  # the pharmacy's date the previous fill was dispensed
    days_supply: int
    percent: Decimal
    due: dt.date  # the first day the refill is not too soon
    on: dt.date  # the day of this dispensing

    @property
    def message(self) -> str:
        days = (self.on - self.previous_on).days
        ago = {0: "today", 1: "yesterday"}.get(days, f"{days} days ago")
        return (
            f"Refill too soon: the previous fill ({self.previous_batch}, {self.days_supply} "
            f"days' supply) was dispensed on {self.previous_on:%m/%d/%Y}, {ago}. "
            f"{plain(self.percent)}% of its supply is used on "
            f"{self.due:%m/%d/%Y}; a pharmacist must acknowledge an earlier refill, with the "
            "reason (a trip, a dose change, a lost supply)."
        )


class RefillTooSoon(WorkflowError):
    """Dispensing refused until a pharmacist acknowledges the early refill."""

    def __init__(self, too_soon: TooSoon) -> None:
        super().__init__(too_soon.message)
        self.too_soon = too_soon


def refill_too_soon_percent() -> Decimal:
    """REFILL_TOO_SOON_PERCENT (settings.py, where its default is explained)."""
    return settings().refill_too_soon_percent


def local_date(moment: dt.datetime) -> dt.date:
    """A stored instant's date in the pharmacy's zone."""
    return pharmacy_time(moment).date()


def refill_too_soon(record: CompoundingRecord, at: dt.datetime | None = None) -> TooSoon | None:
    """Whether dispensing this refill at `at` (now) comes before the share of the previous
    fill's days supply set by REFILL_TOO_SOON_PERCENT has passed; None for a first fill."""
    percent = refill_too_soon_percent()
    previous = db.session.scalars(
        select(CompoundingRecord)
        .where(
            CompoundingRecord.order_id == record.order_id,
            CompoundingRecord.id != record.id,
            CompoundingRecord.fill_number < record.fill_number,
            CompoundingRecord.dispensed_at.is_not(None),
        )
        .order_by(CompoundingRecord.dispensed_at.desc())
        .limit(1)
    ).first()
    if previous is None or previous.dispensed_at is None or percent == 0:
        return None
    days_supply = record.order.days_supply
    previous_on = local_date(previous.dispensed_at)
    due = previous_on + dt.timedelta(days=math.ceil(days_supply * percent / 100))
    on = local_date(at or utcnow())
    if on >= due:
        return None
    return TooSoon(previous.batch_number, previous_on, days_supply, percent, due, on)


def dispense(
    record: CompoundingRecord,
    method: str,
    note: str,
    user: User,
    price_override: Decimal | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
    early_reason: str = "",
) -> CostRecord:
    """The patient received the fill (or it was shipped): the fill is closed, its cost and
    price frozen; a refill, if any are left, may be compounded next. A refill too soon needs
    a pharmacist's `early_reason` (RefillTooSoon otherwise)."""
    lock_order(record.order)
    db.session.refresh(record)
    order = record.order
    if record.dispensed_at is not None:
        raise WorkflowError(
            f"{record.batch_number} was already dispensed "
            f"({DISPENSE_METHODS[record.dispense_method] if record.dispense_method else 'recorded'}"
            f"{' by ' + record.dispensed_by.full_name if record.dispensed_by else ''} on "
            f"{local_date(record.dispensed_at):%m/%d/%Y}): nothing was recorded again."
        )
    if record.status != RecordStatus.SIGNED_OFF:
        raise WorkflowError(
            f"{record.batch_number} is {record.status.label}: only a fill signed "
            "off by a pharmacist can be dispensed."
        )
    if not order.dispensable:
        raise WorkflowError(f"The order is {order.status.label}: its fill cannot be dispensed.")
    problem = fill_mismatch(record)
    if problem:
        raise WorkflowError(problem)
    # gates: nothing expired leaves (the fill's BUD, a supply it cuts short, the Rx itself).
    handed_over_on = local_date(at or utcnow())
    refuse_if_expired(record, handed_over_on)
    refuse_if_prescription_expired(order, handed_over_on)
    try:
        how = DispenseMethod(method)
    except ValueError:
        raise WorkflowError("Say whether the fill was picked up or shipped.") from None
    if price_override is not None and not user.can(Permission.VERIFY):
        raise WorkflowError("Only a pharmacist can change the price.")
    if not db.session.scalar(
        select(func.count()).select_from(LabelPrint).where(LabelPrint.record_id == record.id)
    ):
        raise WorkflowError("Print the label before dispensing.")
    at = at or utcnow()
    early = refill_too_soon(record, at)
    acknowledged = user.can(Permission.VERIFY) and len(early_reason.strip()) >= MIN_REASON
    if early is not None and not acknowledged:
        raise RefillTooSoon(early)
    record.dispensed_at, record.dispensed_by = at, user
    record.dispense_method, record.dispense_note = how, note.strip()
    cost = freeze_cost(record, at, price_override, reason)
    left = order.refills - (record.fill_number - 1)
    detail = (
        f"{record.batch_number} {DISPENSE_METHODS[how]}; charged {cost.price} {cost.currency}; "
        + (f"{left} refill(s) left" if left > 0 else "no refills left: prescription closed")
    )
    if early is not None:
        detail += (
            f"; refill before {plain(early.percent)}% of the previous fill's supply "
            f"(due {early.due:%m/%d/%Y}), acknowledged: {early_reason.strip()}"
        )
    order.status = OrderStatus.VERIFIED if left > 0 else OrderStatus.DISPENSED
    record_event(order, user, "dispensed", detail)
    return cost


def reverse_dispensing(record: CompoundingRecord, reason: str, user: User) -> None:
    """A pharmacist undoes a dispensing recorded by mistake (on the wrong order, or a fill
    never collected): the fill is open again, signed off and labelled, the order is back to
    waiting for it to be dispensed, and its charge is voided (it leaves the reports)."""
    if not user.can(Permission.VERIFY):
        raise WorkflowError("Only a pharmacist can reverse a dispensing.")
    lock_order(record.order)
    db.session.refresh(record)
    order = record.order
    if record.dispensed_at is None:
        raise WorkflowError(f"{record.batch_number} is not dispensed: there is nothing to reverse.")
    if order.status == OrderStatus.REJECTED:
        raise WorkflowError(
            "The order is rejected: its fill cannot be reopened. To refund it, void its charge."
        )
    later = db.session.scalars(
        select(CompoundingRecord).where(
            CompoundingRecord.order_id == order.id,
            CompoundingRecord.fill_number > record.fill_number,
            CompoundingRecord.status != RecordStatus.DISCARDED,
        )
    ).first()
    if later is not None:
        raise WorkflowError(
            f"Fill {later.fill_number} ({later.batch_number}) was started after this one: only "
            "the latest fill's dispensing can be reversed (discard the later fill first)."
        )
    if len(reason.strip()) < MIN_REASON:
        raise WorkflowError("Give the reason for reversing the dispensing.")
    was = (
        f"{DISPENSE_METHODS[record.dispense_method] if record.dispense_method else 'dispensed'} on "
        f"{local_date(record.dispensed_at):%m/%d/%Y}"
        + (f", recorded by {record.dispensed_by.full_name}" if record.dispensed_by else "")
    )
    charge = ""
    cost = db.session.scalars(select(CostRecord).where(CostRecord.record_id == record.id)).first()
    if cost is not None:
        if not cost.voided:
            void_cost(cost, f"dispensing reversed: {reason.strip()}")
            charge = f"; charge {cost.price} {cost.currency} voided"
        # The voided charge keeps its order, Rx and batch number but lets go of the fill,
        # which has one charge at most (cost_records.record_id is unique) and is charged
        # again when it is dispensed again.
        cost.record = None
    record.dispensed_at, record.dispensed_by = None, None
    record.dispense_method, record.dispense_note = None, ""
    order.status = OrderStatus.COMPOUNDED
    record_event(
        order,
        user,
        "dispensing reversed",
        f"{record.batch_number} ({was}): {reason.strip()}{charge}",
    )
