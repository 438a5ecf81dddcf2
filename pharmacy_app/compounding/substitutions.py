"""Substitutions: a fill made with a vehicle or filler other than the prescription's waits
for a pharmacist's decision, with the reason and the prescriber consulted (name and date),
before it is weighed or signed off (and so before its label or dispensing).

A substitution changes what the patient receives from what was prescribed: it is the
pharmacist's decision, made with the prescriber, and it is recorded as such (the record, the
worksheet PDF and the order's history show it). A different strength is not a substitution:
it changes the dose of each unit, the label and the quantity, so the prescription is changed
and verified again (`formulas.mismatch` refuses it)."""

from __future__ import annotations

import datetime as dt

from ..accounts.models import User
from ..extensions import db
from ..orders.history import lock_order, record_event
from ..orders.models import Order, OrderStatus
from ..timeutil import pharmacy_today, utcnow
from ..workflow import WorkflowError, require_pharmacist, require_reason, visible_text
from .formulas import base_difference
from .models import (
    CompoundingRecord,
    MasterFormulation,
    RecordStatus,
    Substitution,
    SubstitutionKind,
)

OPEN_FILLS = (RecordStatus.IN_PROGRESS, RecordStatus.AWAITING_SIGNOFF)


def substitutions_for(mfr: MasterFormulation, order: Order) -> list[Substitution]:
    """The substitutions making `order` with `mfr` needs, unsaved (none, or its filler or
    vehicle)."""
    found = base_difference(mfr, order)
    if found is None:
        return []
    return [
        Substitution(
            kind=SubstitutionKind(found.kind),
            prescribed=", ".join(found.prescribed)[:500],
            used=found.used,
        )
    ]


def hold_for_decision(
    record: CompoundingRecord, mfr: MasterFormulation, order: Order, user: User
) -> None:
    """Attach the substitutions a new fill makes, pending, and say so in the history."""
    record.substitutions = substitutions_for(mfr, order)
    for found in record.substitutions:
        record_event(
            order,
            user,
            "substitution pending",
            f"{record.batch_number}: {found.used} as {found.kind} for {found.prescribed}; "
            "waits for a pharmacist's decision",
        )


def pending(record: CompoundingRecord) -> list[Substitution]:
    return [s for s in record.substitutions if not s.approved]


def refuse_if_substitution_pending(record: CompoundingRecord) -> None:
    """Weighing and sign-off wait for the pharmacist's decision on every substitution."""
    waiting = pending(record)
    if waiting:
        raise WorkflowError(pending_message(record, waiting))


def pending_message(record: CompoundingRecord, waiting: list[Substitution]) -> str:
    return (
        f"Fill {record.batch_number} uses "
        + "; ".join(f"{s.used} as {s.kind} (prescribed: {s.prescribed})" for s in waiting)
        + ". A pharmacist approves the substitution, with the reason and the prescriber "
        "consulted, or discards the fill, before it is weighed or signed off."
    )


def approve_substitution(
    record: CompoundingRecord,
    substitution: Substitution,
    reason: str,
    prescriber: str,
    consulted_on: dt.date | None,
    user: User,
    today: dt.date | None = None,
) -> None:
    """A pharmacist approves a substitution: why, which prescriber agreed and when (not a
    date still to come, nor one before the prescription was written)."""
    require_pharmacist(user, "Only a pharmacist can approve a substitution.")
    today = today or pharmacy_today()
    lock_order(record.order)
    db.session.refresh(record)
    db.session.refresh(substitution)
    if substitution.record_id != record.id or substitution.approved:
        raise WorkflowError("Nothing to decide about this substitution.")
    if record.status not in OPEN_FILLS or record.order.status != OrderStatus.VERIFIED:
        raise WorkflowError(
            f"Fill {record.batch_number} is {record.status.label}: its "
            "substitution can no longer be approved."
        )
    why = require_reason(reason, "Give the reason for the substitution.")
    consulted = " ".join(visible_text(prescriber, "prescriber").split())[:200]
    if len(consulted) < 2:
        raise WorkflowError("Name the prescriber consulted about the substitution.")
    if consulted_on is None:
        raise WorkflowError("Give the date the prescriber was consulted.")
    if consulted_on > today:
        raise WorkflowError(
            f"The prescriber cannot have been consulted on {consulted_on.isoformat()}, a date "
            "still to come."
        )
    # Not before the prescription existed: written, or received when no date is written.
    written = record.order.date_written or record.order.date_received
    if written is not None and consulted_on < written:
        said = "written" if record.order.date_written else "received"
        raise WorkflowError(
            f"Consulted on {consulted_on:%m/%d/%Y}, before the prescription was {said} "
            f"({written:%m/%d/%Y}): give the date of the consultation about this fill."
        )
    substitution.reason, substitution.prescriber_consulted = why, consulted
    substitution.consulted_on, substitution.decided_by = consulted_on, user
    substitution.decided_at = utcnow()
    record_event(
        record.order,
        user,
        "substitution approved",
        f"{record.batch_number}: {substitution.used} as {substitution.kind} for "
        f"{substitution.prescribed}; {why} (prescriber {consulted} consulted "
        f"{consulted_on.isoformat()})",
    )
