"""Will-call: the day's view of fills on their way out (waiting for the final check, ready
for pick-up, shipped or picked up today), the fills not collected after
WILL_CALL_UNCOLLECTED_DAYS, and a pharmacist's return of an uncollected fill to stock or its
discard.

A fill not collected ends: it is discarded (so it no longer counts as a fill made and its
refill is restored), any charge of it is voided, and the order waits for the patient to ask
again ("refills on file"). The request that produced the fill stays, as history. Returned to
stock, the preparation goes back on the pharmacy's shelf; what its making took from the lots
stays taken (it was used)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..compounding.expiry import FillMark, fill_expired, fill_mark
from ..compounding.models import (
    CompoundingRecord,
    DispenseMethod,
    RecordStatus,
    UncollectedDisposition,
)
from ..costs.models import CostRecord
from ..costs.services import void_cost
from ..extensions import db
from ..labels.models import LabelPrint
from ..orders.history import lock_order, record_event
from ..orders.models import DISPENSABLE_ORDERS, OrderStatus
from ..settings import settings
from ..timeutil import pharmacy_time, pharmacy_zone, utcnow
from ..workflow import WorkflowError, require_pharmacist, require_reason
from .refills import pending_request


@dataclass(frozen=True, slots=True)
class Waiting:
    """A fill waiting at will-call: how many of the pharmacy's days since it was released
    (since its sign-off, before its final check), and its expiry mark."""

    record: CompoundingRecord
    days: int
    mark: FillMark | None


@dataclass(frozen=True, slots=True)
class WillCall:
    """The will-call page: each list of fills, and the days after which one is not collected."""

    today: dt.date
    uncollected_days: int
    to_check: list[Waiting]
    ready: list[Waiting]
    uncollected: list[Waiting]
    shipped: list[CompoundingRecord]
    picked_up: list[CompoundingRecord]


def uncollected_days() -> int:
    """WILL_CALL_UNCOLLECTED_DAYS: a fill waiting this many days is not collected."""
    return settings().will_call_uncollected_days


def waiting_since(record: CompoundingRecord) -> dt.datetime | None:
    """When the fill began to wait: its release at the final check, else its sign-off."""
    return record.released_at or record.signed_off_at


def days_waiting(record: CompoundingRecord, today: dt.date) -> int:
    """The pharmacy's days from the fill's release (or sign-off) to `today`."""
    since = waiting_since(record)
    return 0 if since is None else (today - pharmacy_time(since).date()).days


# Each row shows its order, patient and the people who acted on it: loaded with the fills,
# so a list costs one query however long it is.
_WITH_PEOPLE = (
    joinedload(CompoundingRecord.order),
    joinedload(CompoundingRecord.released_by),
    joinedload(CompoundingRecord.signed_off_by),
    joinedload(CompoundingRecord.dispensed_by),
)


# A fill in the pharmacy, signed off and not yet handed over (a signed-off fill is never
# discarded: a discard changes its status).
_WAITING = (
    CompoundingRecord.status == RecordStatus.SIGNED_OFF,
    CompoundingRecord.dispensed_at.is_(None),
)


def _waiting(records: list[CompoundingRecord], today: dt.date) -> list[Waiting]:
    return [Waiting(r, days_waiting(r, today), fill_mark(r, today)) for r in records]


def awaiting_final_check(today: dt.date) -> list[Waiting]:
    """Fills signed off and labelled, not yet released: the longest waiting first."""
    labelled = exists().where(LabelPrint.record_id == CompoundingRecord.id)
    records = db.session.scalars(
        select(CompoundingRecord)
        .options(*_WITH_PEOPLE)
        .where(*_WAITING, CompoundingRecord.released_at.is_(None), labelled)
        .order_by(CompoundingRecord.signed_off_at, CompoundingRecord.id)
    ).all()
    return _waiting(list(records), today)


def awaiting_pickup(today: dt.date, days: int) -> tuple[list[Waiting], list[Waiting]]:
    """Fills released and not handed over, the longest waiting first: those ready for
    pick-up, and those waiting `days` or more (not collected)."""
    records = db.session.scalars(
        select(CompoundingRecord)
        .options(*_WITH_PEOPLE)
        .where(*_WAITING, CompoundingRecord.released_at.is_not(None))
        .order_by(CompoundingRecord.released_at, CompoundingRecord.id)
    ).all()
    waiting = _waiting(list(records), today)
    return [w for w in waiting if w.days < days], [w for w in waiting if w.days >= days]


def handed_over_on(today: dt.date) -> tuple[list[CompoundingRecord], list[CompoundingRecord]]:
    """The fills shipped, and those picked up, on the pharmacy's date `today`."""
    zone = pharmacy_zone()
    start = dt.datetime.combine(today, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    records = db.session.scalars(
        select(CompoundingRecord)
        .options(*_WITH_PEOPLE)
        .where(
            CompoundingRecord.dispensed_at >= start,
            CompoundingRecord.dispensed_at < end.astimezone(dt.UTC),
        )
        .order_by(CompoundingRecord.dispensed_at, CompoundingRecord.id)
    ).all()
    shipped = [r for r in records if r.dispense_method is DispenseMethod.SHIPPED]
    return shipped, [r for r in records if r.dispense_method is not DispenseMethod.SHIPPED]


def will_call(today: dt.date) -> WillCall:
    """The will-call page's lists for the pharmacy's date `today`."""
    days = uncollected_days()
    ready, uncollected = awaiting_pickup(today, days)
    shipped, picked_up = handed_over_on(today)
    return WillCall(
        today=today,
        uncollected_days=days,
        to_check=awaiting_final_check(today),
        ready=ready,
        uncollected=uncollected,
        shipped=shipped,
        picked_up=picked_up,
    )


def uncollected_note(record: CompoundingRecord) -> str:
    """What became of a fill not collected, who decided and when, as a refusal says it."""
    if record.uncollected is None:
        return ""
    who = record.uncollected_by.full_name if record.uncollected_by else "a pharmacist"
    when = f" on {pharmacy_time(record.uncollected_at):%m/%d/%Y}" if record.uncollected_at else ""
    return f"{record.uncollected.label} as not collected by {who}{when}"


def _not_returnable(record: CompoundingRecord) -> str | None:
    """Why this fill cannot be returned as not collected; None when it can."""
    if record.uncollected is not None:
        return (
            f"{record.batch_number} was already {uncollected_note(record)}: nothing was "
            "recorded again."
        )
    if record.dispensed_at is not None:
        return (
            f"{record.batch_number} is dispensed: it was collected. A dispensing recorded by "
            "mistake is reversed from its dispensing page first."
        )
    if record.status is RecordStatus.DISCARDED:
        return f"{record.batch_number} is already discarded."
    if record.status is not RecordStatus.SIGNED_OFF:
        return (
            f"{record.batch_number} is {record.status.label}: only a fill signed off and "
            "waiting for pick-up can be returned as not collected."
        )
    if record.order.status not in DISPENSABLE_ORDERS:
        return (
            f"The order is {OrderStatus(record.order.status).label}: its fill does not wait "
            "for pick-up."
        )
    return None


def return_uncollected(
    record: CompoundingRecord, disposition: UncollectedDisposition | str, reason: str, user: User
) -> CostRecord | None:
    """A pharmacist returns a fill not collected to stock, or discards it, with the reason:
    the fill ends (discarded, so its refill is restored), any charge of it is voided, and the
    order waits for the patient to ask again. Under the order's row lock: of two pharmacists
    returning one fill at once, the second is told what the first did. The charge voided,
    if there was one."""
    require_pharmacist(user, "Only a pharmacist can return a fill not collected.")
    lock_order(record.order)
    db.session.refresh(record)
    problem = _not_returnable(record)
    if problem:
        raise WorkflowError(problem)
    try:
        chosen = UncollectedDisposition(disposition)
    except ValueError:
        raise WorkflowError("Choose returned to stock or discarded.", field="disposition") from None
    at = utcnow()
    today = pharmacy_time(at).date()
    expired = fill_expired(record, today)
    if chosen is UncollectedDisposition.RETURNED_TO_STOCK and expired:
        raise WorkflowError(
            f"{record.batch_number} is past its beyond-use date (discard after "
            f"{record.beyond_use_date:%m/%d/%Y}): it cannot go back to stock. Discard it.",
            field="disposition",
        )
    why = require_reason(
        reason, "Give the reason the fill was not collected (a few words).", field="reason"
    )
    days = days_waiting(record, today)
    since = waiting_since(record)
    order = record.order
    cost = db.session.scalars(select(CostRecord).where(CostRecord.record_id == record.id)).first()
    charge = ""
    if cost is not None and not cost.voided:
        void_cost(cost, f"not collected: {why}")
        charge = f"; charge {cost.price} {cost.currency} voided"
    record.status = RecordStatus.DISCARDED
    record.uncollected, record.uncollected_at, record.uncollected_by = chosen, at, user
    note = f"Not collected, {chosen.label}: {why}"
    record.notes = f"{record.notes}\n{note}" if record.notes else note
    db.session.flush()  # the fill no longer counts as made, nor its request as pending
    order.status = (
        OrderStatus.VERIFIED if pending_request(order) is not None else OrderStatus.REFILLABLE
    )
    waited = "released" if record.released_at else "signed off"
    record_event(
        order,
        user,
        f"uncollected: {chosen.label}",
        f"{record.batch_number} (fill {record.fill_number}) not collected: waited {days} "
        f"day{'' if days == 1 else 's'} since it was {waited}"
        + (f" on {pharmacy_time(since):%m/%d/%Y}" if since else "")
        + f"; {chosen.label}: {why}{charge}",
        at=at,
    )
    return cost if charge else None
