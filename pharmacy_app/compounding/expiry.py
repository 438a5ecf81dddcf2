"""Expiry gates for a fill: past its beyond-use date, or with a BUD that comes before the
patient could use the supply by the directions. Labels, the batch print, the final check and
dispensing refuse both; a pharmacist may accept the shorter supply with a reason (as at
sign-off), never an expired fill, which is discarded (the "to discard" list).

The BUD is the last day of use: the label prints it as "Discard after" that date, so a fill
is expired from the day after. The supply counts from the day it is handed over with the
computation sign-off uses (bud.supply_beyond_bud), today in place of the compounding day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from ..accounts.models import User
from ..checks import DosageForm
from ..extensions import db
from ..orders.history import lock_order, record_event
from ..orders.models import Order
from ..timeutil import utcnow
from ..workflow import WorkflowError, require_pharmacist, require_reason
from .bud import supply_beyond_bud
from .models import CompoundingRecord, RecordStatus


def supply_unit(order: Order) -> str:
    """What the order's quantity counts: capsules, or the unit its strength is per."""
    if order.dosage_form == DosageForm.CAPSULE.value:
        return "capsules"
    return order.strength_per or "mL"


def fill_expired(record: CompoundingRecord, today: dt.date) -> str | None:
    """Why the fill may not be labelled, checked or dispensed on `today` because its BUD has
    passed; None while it is in date."""
    if today <= record.beyond_use_date:
        return None
    return (
        f"Fill {record.batch_number} has expired: its beyond-use date (discard after "
        f"{record.beyond_use_date:%m/%d/%Y}) has passed. It cannot be labelled, checked or "
        "dispensed: a pharmacist discards it (To discard) and the order is compounded again."
    )


def supply_outlasts_bud(record: CompoundingRecord, today: dt.date) -> str | None:
    """The warning when the order's supply, used from `today` by its directions, runs past
    the fill's BUD (the patient would be left with doses past their date); None when the BUD
    covers it. Whether a pharmacist accepted it is `supply_accepted`."""
    order = record.order
    return supply_beyond_bud(
        days_supply=order.days_supply,
        quantity=order.quantity,
        unit=supply_unit(order),
        compounded_on=today,
        bud=record.beyond_use_date,
    )


def same_shortfall(accepted: str | None, warning: str) -> bool:
    """Whether an accepted warning is this one: the same figures (the supply, the BUD, the
    days and units past it), whatever advice followed them when it was stored."""
    return accepted is not None and _figures(accepted) == _figures(warning)


def _figures(warning: str) -> str:
    return warning.split(" would be past its BUD.")[0]


def supply_accepted(record: CompoundingRecord, warning: str) -> bool:
    """Whether a pharmacist accepted this very shortfall: at sign-off (the same days short,
    counted the same day) or when the fill was to be labelled or dispensed. The shortfall
    grows each day the fill waits, so an acceptance holds for the figures it was given on."""
    return bool(
        (record.supply_accepted_reason and same_shortfall(record.supply_warning, warning))
        or (
            record.handover_supply_reason
            and same_shortfall(record.handover_supply_warning, warning)
        )
    )


def unaccepted_shortfall(record: CompoundingRecord, today: dt.date) -> str | None:
    """For a signed-off fill still in the pharmacy and in date: the warning when its BUD cuts
    the supply short, handed over on `today`, and no pharmacist accepted that; else None."""
    if (
        record.status != RecordStatus.SIGNED_OFF
        or record.dispensed_at is not None
        or fill_expired(record, today)
    ):
        return None
    warning = supply_outlasts_bud(record, today)
    return None if warning is None or supply_accepted(record, warning) else warning


def expiry_problem(record: CompoundingRecord, today: dt.date) -> str | None:
    """Why the fill may not be labelled, checked or dispensed on `today`: expired, or (while
    it is still in the pharmacy) a supply its BUD cuts short that no pharmacist accepted."""
    expired = fill_expired(record, today)
    if expired:
        return expired
    warning = unaccepted_shortfall(record, today)
    if warning is None:
        return None
    return (
        f"Fill {record.batch_number}, handed over on {today:%m/%d/%Y}: {warning} Until a "
        "pharmacist accepts the shorter supply with a reason (on the fill's record), it is "
        "not labelled or dispensed."
    )


def refuse_if_expired(record: CompoundingRecord, today: dt.date) -> None:
    """WorkflowError when the fill is expired on `today`, or its BUD cuts the supply short
    without a pharmacist's acceptance."""
    problem = expiry_problem(record, today)
    if problem:
        raise WorkflowError(problem)


def accept_short_supply(record: CompoundingRecord, reason: str, user: User, today: dt.date) -> None:
    """A pharmacist accepts that the fill, handed over on `today`, leaves the patient
    fewer usable days than the directions need, saying why (on the fill and in the order's
    history). An expired fill cannot be accepted: it is discarded."""
    require_pharmacist(
        user,
        "A pharmacist must accept a supply shorter than the directions need: ask one to "
        "accept it with the reason.",
    )
    lock_order(record.order)
    db.session.refresh(record)
    if record.status != RecordStatus.SIGNED_OFF or record.dispensed_at is not None:
        raise WorkflowError(
            f"Fill {record.batch_number} is not waiting to be handed over: nothing to accept "
            "about its supply."
        )
    expired = fill_expired(record, today)
    if expired:
        raise WorkflowError(expired)
    warning = unaccepted_shortfall(record, today)
    if warning is None:
        raise WorkflowError(
            f"Nothing to accept: fill {record.batch_number}'s beyond-use date covers its "
            "supply, or the shorter supply is already accepted."
        )
    why = require_reason(reason, "Give the reason for accepting the shorter supply.")
    record.handover_supply_warning, record.handover_supply_reason = warning, why
    record.handover_supply_accepted_by, record.handover_supply_accepted_at = user, utcnow()
    record_event(
        record.order,
        user,
        "short supply accepted",
        f"{record.batch_number} on {today:%m/%d/%Y}: {warning} Reason: {why}",
    )


# Fills still in the pharmacy: neither discarded nor handed over.
_IN_PHARMACY = (
    CompoundingRecord.status != RecordStatus.DISCARDED,
    CompoundingRecord.dispensed_at.is_(None),
)


def to_discard(today: dt.date) -> list[CompoundingRecord]:
    """Fills still in the pharmacy whose BUD has passed, the longest expired first."""
    return list(
        db.session.scalars(
            select(CompoundingRecord)
            .where(*_IN_PHARMACY, CompoundingRecord.beyond_use_date < today)
            .order_by(CompoundingRecord.beyond_use_date, CompoundingRecord.id)
        )
    )


def count_to_discard(today: dt.date) -> int:
    """How many fills `to_discard` lists."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CompoundingRecord)
            .where(*_IN_PHARMACY, CompoundingRecord.beyond_use_date < today)
        )
        or 0
    )


def expired_fills_of(order_ids: list[int], today: dt.date) -> dict[int, CompoundingRecord]:
    """For each of these orders that has one, its expired fill still in the pharmacy (the
    latest, when there are several), in one query."""
    found: dict[int, CompoundingRecord] = {}
    if not order_ids:
        return found
    for record in db.session.scalars(
        select(CompoundingRecord)
        .where(
            CompoundingRecord.order_id.in_(order_ids),
            *_IN_PHARMACY,
            CompoundingRecord.beyond_use_date < today,
        )
        .order_by(CompoundingRecord.id)
    ):
        found[record.order_id] = record
    return found


@dataclass(frozen=True, slots=True)
class FillMark:
    """What a list shows against a fill (or an order) that may not leave as it is: `code`
    for its style ("expired", "short-supply", "renewal"), `text` in a pharmacist's words."""

    code: str
    text: str

    @property
    def severity(self) -> str:
        """The badge it shows as: a shortfall waits for a decision, the rest block."""
        return "warn" if self.code == "short-supply" else "block"


def fill_mark(record: CompoundingRecord, today: dt.date) -> FillMark | None:
    """The mark a list shows for a fill still in the pharmacy: expired, or signed off with a
    BUD that cuts its supply short and no acceptance; None otherwise."""
    if record.status == RecordStatus.DISCARDED or record.dispensed_at is not None:
        return None
    if fill_expired(record, today):
        return FillMark("expired", f"Expired: discard after {record.beyond_use_date:%m/%d/%Y}")
    if unaccepted_shortfall(record, today):
        return FillMark("short-supply", "BUD shorter than the supply: a pharmacist must accept")
    return None


def fill_marks(records: list[CompoundingRecord], today: dt.date) -> dict[int, FillMark]:
    """The marks of these fills, by fill id (those with none left out)."""
    marks = {r.id: fill_mark(r, today) for r in records}
    return {k: v for k, v in marks.items() if v is not None}
