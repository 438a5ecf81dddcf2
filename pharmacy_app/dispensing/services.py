"""Dispensing a fill (picked up or shipped), the refill-too-soon check, and a pharmacist's
reversal of a dispensing recorded by mistake.

Each function takes the order's row lock first and checks the fill's state under it: two
people recording the same fill at once are served one after the other, and the second is told
what the first did."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from ..accounts.models import Permission, User
from ..checks.findings import plain
from ..compounding.expiry import refuse_if_expired
from ..compounding.models import CompoundingRecord, DispenseMethod, RecordStatus
from ..compounding.refill_timing import (
    RefillTooSoon,
    TooSoon,
    refill_too_soon_on,
)
from ..compounding.services import fill_mismatch
from ..costs.models import CostRecord
from ..costs.services import freeze_cost, void_cost
from ..extensions import db
from ..labels.models import LabelPrint
from ..orders.history import lock_order, record_event
from ..orders.models import OrderStatus
from ..orders.validity import refuse_if_prescription_expired
from ..timeutil import pharmacy_time, utcnow
from ..workflow import MIN_REASON, WorkflowError, require_reason, visible_text
from .final_check import refuse_if_unreleased
from .pickup import Handover, checked_handover, handover_text
from .refills import (
    early_acceptance,
    status_after_dispensing,
    withdraw_requests_after_reversal,
)

DISPENSE_METHODS = {
    DispenseMethod.PICKED_UP: "picked up by the patient",
    DispenseMethod.SHIPPED: "shipped",
}


def local_date(moment: dt.datetime) -> dt.date:
    """A stored instant's date in the pharmacy's zone."""
    return pharmacy_time(moment).date()


def refill_too_soon(record: CompoundingRecord, at: dt.datetime | None = None) -> TooSoon | None:
    """Whether dispensing this refill at `at` (now) comes before the share of the previous
    fill's days supply set by REFILL_TOO_SOON_PERCENT has passed; None for a first fill."""
    return refill_too_soon_on(record.order, record.fill_number, local_date(at or utcnow()))


def dispense(
    record: CompoundingRecord,
    method: str,
    note: str,
    user: User,
    price_override: Decimal | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
    early_reason: str = "",
    handover: Handover | None = None,
) -> CostRecord:
    """The patient received the fill (or it was shipped): the fill is closed, its cost and
    price frozen; with refills left the order waits for the next refill's request. A refill
    too soon needs a pharmacist's `early_reason`, now or with its request (RefillTooSoon
    otherwise). Only a fill released at its final check leaves, with its `handover` recorded
    (the bag label scanned, who collected it or how it was shipped, the counselling offer:
    pickup.py)."""
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
    refuse_if_unreleased(record)
    handed_over = checked_handover(record, how, handover)
    at = at or utcnow()
    early = refill_too_soon(record, at)
    accepted = early_acceptance(record) if early is not None else None
    early_reason = visible_text(early_reason, "early_reason")
    acknowledged = user.can(Permission.VERIFY) and len(early_reason) >= MIN_REASON
    if early is not None and not acknowledged and accepted is None:
        raise RefillTooSoon(early)
    record.dispensed_at, record.dispensed_by = at, user
    record.dispense_method, record.dispense_note = how, visible_text(note, "note")
    record.handover = handed_over
    cost = freeze_cost(record, at, price_override, reason)
    left = order.refills - (record.fill_number - 1)
    detail = (
        f"{record.batch_number} {DISPENSE_METHODS[how]}; charged {cost.price} {cost.currency}; "
        + (f"{left} refill(s) left" if left > 0 else "no refills left: prescription closed")
    )
    if early is not None:
        why = early_reason.strip() if acknowledged or accepted is None else accepted.early_reason
        by = (
            f" (accepted by {accepted.early_by.full_name} with the request)"
            if (accepted is not None and not acknowledged and accepted.early_by)
            else ""
        )
        detail += (
            f"; refill before {plain(early.percent)}% of the previous fill's supply "
            f"(due {early.due:%m/%d/%Y}), acknowledged: {why}{by}"
        )
    detail += f"; {handover_text(handed_over)}"
    if note.strip():
        detail += f"; note: {note.strip()}"
    order.status = status_after_dispensing(order, left)
    record_event(order, user, "dispensed", detail)
    return cost


def reversal_problem(record: CompoundingRecord) -> str | None:
    """Why this fill's dispensing cannot be reversed; None when a pharmacist may reverse it
    (the dispensing page asks it too, and offers no reversal that would be refused)."""
    order = record.order
    if record.dispensed_at is None:
        return f"{record.batch_number} is not dispensed: there is nothing to reverse."
    if order.status == OrderStatus.REJECTED:
        return "The order is rejected: its fill cannot be reopened. To refund it, void its charge."
    later = db.session.scalars(
        select(CompoundingRecord).where(
            CompoundingRecord.order_id == order.id,
            CompoundingRecord.fill_number > record.fill_number,
            CompoundingRecord.status != RecordStatus.DISCARDED,
        )
    ).first()
    if later is not None:
        return (
            f"Fill {later.fill_number} ({later.batch_number}) was started after this one: only "
            "the latest fill's dispensing can be reversed (discard the later fill first)."
        )
    return None


def reverse_dispensing(record: CompoundingRecord, reason: str, user: User) -> None:
    """A pharmacist undoes a dispensing recorded by mistake (on the wrong order, or a fill
    never collected): the fill is open again, signed off and labelled, the order is back to
    waiting for it to be dispensed, and its charge is voided (it leaves the reports)."""
    if not user.can(Permission.VERIFY):
        raise WorkflowError("Only a pharmacist can reverse a dispensing.")
    lock_order(record.order)
    db.session.refresh(record)
    order = record.order
    problem = reversal_problem(record)
    if problem or record.dispensed_at is None:
        raise WorkflowError(problem or "Nothing to reverse.")
    reason = require_reason(reason, "Give the reason for reversing the dispensing.")
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
    record.handover = None
    # It goes back through the final check: the release was for a hand-over that did not
    # stand (a parcel back undeliverable has left the pharmacy's control).
    released = record.released_at is not None
    record.released_at, record.released_by, record.release_meaning = None, None, None
    # A request for the next fill made meanwhile waits for this one: it is withdrawn.
    withdrawn = withdraw_requests_after_reversal(order, user, reason)
    order.status = OrderStatus.COMPOUNDED
    record_event(
        order,
        user,
        "dispensing reversed",
        f"{record.batch_number} ({was}): {reason.strip()}{charge}"
        + ("; its release withdrawn: it is checked again before it leaves" if released else "")
        + (f"; {withdrawn}" if withdrawn else ""),
    )
