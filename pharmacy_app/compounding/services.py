"""Compounding records: the matching formula, starting a worksheet with its lots, weights and
stock, deviations, sign-off. Every function works in the caller's session; the caller commits
once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import func, select, update

from ..accounts.models import User
from ..accounts.services import pharmacy_settings
from ..checks.findings import plain
from ..extensions import db
from ..orders.history import lock_order, record_event
from ..orders.models import Order, OrderStatus
from ..orders.signals import order_changing, order_rejected
from ..orders.validity import refuse_if_prescription_expired
from ..timeutil import pharmacy_today, utcnow
from ..units import MG_PER_G, factor
from ..workflow import MIN_REASON, WorkflowError, require_pharmacist, require_reason, visible_text
from . import arithmetic, substitutions
from .bud import BudRule, beyond_use_date, storage_for, supply_beyond_bud
from .expiry import fill_expired, supply_unit
from .formulas import (
    allergy_note,
    base_difference,
    formula_field_problems,
    mismatch,
    substitution_note,
)
from .lot_scan import check_lots_scanned
from .models import (
    BatchCounter,
    CompoundingRecord,
    Lot,
    MasterFormulation,
    RecordComponent,
    RecordStatus,
)
from .signals import fill_starting
from .worksheets import (
    Need,
    discard_limit_percent,
    lot_problems,
    lots_first_expiry_first,
    needs,
    passed_over,
    readability_mg,
    tolerance_percent,
    weighing_cautions,
)


def matching_formulations(order: Order) -> tuple[list[MasterFormulation], list[str]]:
    """Current formulas that make this order, and why the others of its form do not."""
    candidates = db.session.scalars(
        select(MasterFormulation)
        .where(
            MasterFormulation.is_current.is_(True),
            MasterFormulation.dosage_form == order.dosage_form,
        )
        .order_by(MasterFormulation.name)
    ).all()
    matches: list[MasterFormulation] = []
    reasons: list[str] = []
    for mfr in candidates:
        why = mismatch(mfr, order)
        if why:
            reasons.append(f"{mfr.name}: {why}")
        else:
            matches.append(mfr)
    if not candidates:
        reasons.append(f"No master formulation record for {order.dosage_form.replace('_', ' ')}.")
    # A formula with the prescribed filler or vehicle first: one that substitutes needs a
    # pharmacist's decision with the prescriber.
    matches.sort(key=lambda mfr: base_difference(mfr, order) is not None)
    return matches, reasons


def fills_made(order: Order) -> int:
    """Fills made or being made for the order (a discarded one is made again)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CompoundingRecord)
            .where(
                CompoundingRecord.order_id == order.id,
                CompoundingRecord.status != RecordStatus.DISCARDED,
            )
        )
        or 0
    )


def fills_of(order: Order) -> list[CompoundingRecord]:
    """The order's fills, oldest first."""
    return list(
        db.session.scalars(
            select(CompoundingRecord)
            .where(CompoundingRecord.order_id == order.id)
            .order_by(CompoundingRecord.id)
        )
    )


def fills_at_work(listed: int = 25) -> tuple[int, list[CompoundingRecord], int]:
    """For the home page: how many fills are being made, the first `listed` waiting for a
    pharmacist's sign-off (longest waiting first), and how many wait in all."""
    in_progress, awaiting = RecordStatus.IN_PROGRESS, RecordStatus.AWAITING_SIGNOFF
    counts: dict[RecordStatus, int] = dict(
        db.session.execute(  # type: ignore[arg-type]
            select(CompoundingRecord.status, func.count())
            .where(CompoundingRecord.status.in_((in_progress, awaiting)))
            .group_by(CompoundingRecord.status)
        ).all()
    )
    waiting = db.session.scalars(
        select(CompoundingRecord)
        .where(CompoundingRecord.status == awaiting)
        .order_by(CompoundingRecord.prepared_at)
        .limit(listed)
    ).all()
    return counts.get(in_progress, 0), list(waiting), counts.get(awaiting, 0)


StockChoice = tuple[Need, list[Lot], list[str]]


def start_choices(order: Order, mfr: MasterFormulation) -> tuple[list[StockChoice], list[str]]:
    """What the start page offers for making `order` with `mfr`: each need from stock with
    the lots that can serve it, first-expiry-first, and why earlier ones were passed over;
    and the notes on the formula for this order (a vehicle not as prescribed, its problems)."""
    today = pharmacy_today()
    choices: list[StockChoice] = []
    try:
        _, wanted = needs(mfr, order.quantity)
        notes: list[str] = []
    except ValueError as exc:
        wanted, notes = [], [str(exc)]
    for need in wanted:
        if not need.from_stock:
            continue  # weighed from another component's lot
        usable = lots_first_expiry_first(need, today)
        choices.append((need, usable, passed_over(need, usable[0], today) if usable else []))
    notes += [n for n in [allergy_note(mfr, order), substitution_note(mfr, order)] if n]
    notes += [m for messages in formula_field_problems(mfr).values() for m in messages]
    return choices, notes


# Names of one filler, as prescriptions and catalogues write it.


def start_record(
    order: Order,
    mfr: MasterFormulation,
    lot_ids: dict[str, int],
    user: User,
    today: dt.date | None = None,
    early_reason: str = "",
) -> CompoundingRecord:
    """Make the worksheet for a verified order with the chosen lots (first-expiry-first
    where none is chosen). Refuses with the reason when anything is wrong. A refill needs
    its request, and a pharmacist's `early_reason` when it is too soon (fill_starting)."""
    today = today or pharmacy_today()
    lock_order(order)
    if order.status == OrderStatus.REFILLABLE:
        raise WorkflowError(
            "No refill has been requested for this order: record the request (who asked, "
            "and how) on the order's page first."
        )
    if order.status != OrderStatus.VERIFIED:
        raise WorkflowError(
            f"Only a verified order is compounded; this one is {order.status.label}."
        )
    refuse_if_prescription_expired(order, today)  # gates: no new fill after the Rx expires
    if mismatch(mfr, order) or not mfr.is_current:
        raise WorkflowError(
            f"{mfr.name} does not make this order: "
            f"{mismatch(mfr, order) or 'not the current version'}."
        )
    problems = formula_field_problems(mfr)
    if problems:
        raise WorkflowError(
            f"{mfr.name} cannot be followed until it is corrected: "
            + " ".join(m for messages in problems.values() for m in messages)
        )
    fills = db.session.scalars(
        select(CompoundingRecord).where(
            CompoundingRecord.order_id == order.id,
            CompoundingRecord.status != RecordStatus.DISCARDED,
        )
    ).all()
    if any(f.dispensed_at is None for f in fills):
        raise WorkflowError("This order has a fill that is not dispensed yet: finish it first.")
    if len(fills) > order.refills:
        raise WorkflowError("No refills are left on this prescription.")
    try:
        sheet, wanted = needs(mfr, order.quantity)
    except ValueError as exc:
        raise WorkflowError(str(exc)) from exc
    components: list[RecordComponent] = []
    errors: list[str] = []
    cautions = weighing_cautions(wanted)
    cautions += [n for n in [allergy_note(mfr, order), substitution_note(mfr, order)] if n]
    for need in wanted:
        if not need.from_stock:
            # Weighed out of what another component took from stock (the crushed tablets).
            lot = next(
                (c.lot for c in components if c.lot.ingredient_id == need.ingredient.id), None
            )
        elif lot_ids.get(need.role):
            lot = db.session.get(Lot, lot_ids[need.role])
        else:
            lot = next(iter(lots_first_expiry_first(need, today)), None)
        if lot is None:
            errors.append(
                f"no usable lot of {need.ingredient.name} (in date, with "
                f"{plain(need.stock_amount)} {need.ingredient.stock_unit})"
            )
            continue
        errors += lot_problems(lot, need, today)
        if need.from_stock:
            cautions += passed_over(need, lot, today)
        components.append(
            RecordComponent(
                role=need.role,
                lot=lot,
                required=need.required,
                unit=need.unit,
                weighed=need.weighed,
                from_stock=need.from_stock,
            )
        )
    if errors:
        raise WorkflowError("Cannot use these lots: " + "; ".join(errors) + ".")
    rule = BudRule(mfr.bud_rule)
    bud = beyond_use_date(rule, today, [c.lot.expiry_date for c in components])
    record = CompoundingRecord(
        order=order,
        mfr=mfr,
        batch_number=_next_batch_number(today),
        units_to_make=sheet.units_to_make,
        unit_name=sheet.unit_name,
        worksheet=[
            {"what": line.what, "amount": str(line.amount), "unit": line.unit, "how": line.how}
            for line in sheet.lines
        ],
        tolerance_percent=tolerance_percent(),
        discard_limit_percent=discard_limit_percent(),
        beyond_use_date=bud.date,
        storage=storage_for(rule, mfr.storage),
        bud_reason=bud.why,
        cautions=cautions,
        supply_warning=supply_beyond_bud(
            days_supply=order.days_supply,
            quantity=order.quantity,
            unit=supply_unit(order),
            compounded_on=today,
            bud=bud.date,
        ),
        fill_number=len(fills) + 1,
        made_for=made_for(order),
        created_by=user,
        components=components,
    )
    fill_starting.send(record, user=user, today=today, early_reason=early_reason)
    db.session.add(record)
    record_event(
        order,
        user,
        "compounding",
        f"Worksheet {record.batch_number} from {mfr.name} v{mfr.version}",
    )
    substitutions.hold_for_decision(record, mfr, order, user)
    db.session.flush()
    return record


def made_for(order: Order) -> dict[str, str | None]:
    """What a fill is made for: the prescription's form, strength and quantity as they stand
    when it is started."""
    return {
        "dosage_form": order.dosage_form,
        "strength_mg": _number(order.strength_mg),
        "strength_per": order.strength_per,
        "quantity": _number(order.quantity),
    }


def fill_mismatch(record: CompoundingRecord) -> str | None:
    """Why this fill no longer matches its order as the order now stands (its formula no
    longer makes it, or the form, strength or quantity changed since the fill was started);
    None when it matches. Weighing, sign-off, labels and dispensing refuse a mismatch."""
    order = record.order
    changes: list[str] = []
    why = mismatch(record.mfr, order)
    if why:
        changes.append(f"{record.mfr.name} does not make it: {why}")
    if record.made_for:
        now = made_for(order)
        changes += [
            f"{_WHAT[key]} {_shown(key, record.made_for)} then, {_shown(key, now)} now"
            for key in _WHAT
            if record.made_for.get(key) != now[key]
        ]
    if not changes:
        return None
    return (
        f"Fill {record.batch_number} was made for the prescription as it stood before it "
        f"changed ({'; '.join(dict.fromkeys(changes))}). It cannot go on: a pharmacist "
        "discards it and the order is compounded again."
    )


_WHAT = {
    "dosage_form": "dosage form",
    "strength_mg": "strength",
    "strength_per": "strength",
    "quantity": "quantity",
}


def _shown(key: str, values: dict[str, str | None]) -> str:
    if key in ("strength_mg", "strength_per"):
        per = values.get("strength_per")
        return f"{values.get('strength_mg')} mg" + (f"/{per}" if per else "")
    if key == "dosage_form":
        return (values.get(key) or "").replace("_", " ")
    return str(values.get(key))


def _number(value: Decimal | int | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def _lock(record: CompoundingRecord) -> None:
    """Lock the fill's order and re-read the fill: its state is checked under the lock, and the
    order must still be the verified prescription the fill is made for."""
    lock_order(record.order)
    db.session.refresh(record)
    if record.order.status not in (OrderStatus.VERIFIED, OrderStatus.COMPOUNDED):
        raise WorkflowError(
            f"The order is {record.order.status.label}: this fill cannot go on. "
            "A pharmacist discards it."
        )
    problem = fill_mismatch(record)
    if problem:
        raise WorkflowError(problem)


def record_weights(
    record: CompoundingRecord,
    actuals: dict[int, Decimal],
    user: User,
    correction: str = "",
    *,
    scanned_lots: Mapping[int, str] | None = None,
) -> None:
    """Enter what was actually weighed or counted; take it from stock (never below zero,
    even when two fills draw on the same lot at once); flag what is out of tolerance. The
    first time, each component's lot must be scanned (`scanned_lots`, by component id) and
    be the worksheet's (lot_scan.py). Before sign-off the weights can be corrected, with a
    reason: stock takes the difference, and the pharmacist's decisions on the old figures
    are cleared."""
    _lock(record)
    substitutions.refuse_if_substitution_pending(record)
    correction = visible_text(correction, "correction")
    correcting = record.status == RecordStatus.AWAITING_SIGNOFF and bool(correction)
    if record.status != RecordStatus.IN_PROGRESS and not correcting:
        raise WorkflowError(
            "The weights of this record are already recorded; to correct them before "
            "sign-off, give the reason."
            if record.status == RecordStatus.AWAITING_SIGNOFF
            else f"This fill is {record.status.label}: its weights cannot change."
        )
    if correcting and len(correction.strip()) < MIN_REASON:
        raise WorkflowError("Give the reason for correcting the weights.")
    if not correcting:
        check_lots_scanned(record, scanned_lots)
    readability = readability_mg()
    for component in record.components:
        actual = actuals.get(component.id)
        if actual is None:
            raise WorkflowError(f"Enter the {component.role} amount.")
        if not actual.is_finite() or actual < 0:
            raise WorkflowError(f"Enter the {component.role} amount as a number, 0 or more.")
        step = {"mg": readability, "g": readability / MG_PER_G}.get(component.unit)
        if component.weighed and step is not None and not _balance_reading(actual, step):
            raise WorkflowError(
                f"{plain(actual)} {component.unit} for the {component.role}: the balance "
                f"reads to {plain(step)} {component.unit}, so enter the reading it shows."
            )
        before = component.actual if correcting else None
        if before == actual:
            continue
        component.actual = actual
        component.decision_reason, component.decided_by = None, None
        component.within_tolerance = (
            arithmetic.within_tolerance(component.required, actual, record.tolerance_percent)
            if component.weighed
            else actual == component.required
        )
        if component.from_stock:
            _take_from_stock(
                component.lot,
                (actual - (before or Decimal(0)))
                * factor(component.unit, component.lot.ingredient.stock_unit),
            )
    if correcting:
        record_event(
            record.order, user, "weights corrected", f"{record.batch_number}: {correction.strip()}"
        )
    record.status = RecordStatus.AWAITING_SIGNOFF
    record.prepared_by, record.prepared_at = user, utcnow()


def _balance_reading(actual: Decimal, step: Decimal) -> bool:
    """Whether a balance reading to `step` can show this amount (a whole number of steps)."""
    steps = actual / step
    return steps == steps.to_integral_value()


def _take_from_stock(lot: Lot, amount: Decimal) -> None:
    """Take `amount` from the lot (a negative amount returns it, as a correction does)."""
    taken = db.session.execute(
        update(Lot)
        .where(Lot.id == lot.id, Lot.on_hand >= amount)
        .values(on_hand=Lot.on_hand - amount)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise WorkflowError(
            f"Lot {lot.lot_number} of {lot.ingredient.name} does not have "
            f"{plain(amount)} {lot.ingredient.stock_unit} left."
        )
    db.session.expire(lot, ["on_hand"])


def accept_deviation(
    record: CompoundingRecord, component: RecordComponent, reason: str, user: User
) -> None:
    require_pharmacist(user)
    _lock(record)
    db.session.refresh(component)
    if record.status != RecordStatus.AWAITING_SIGNOFF or component.within_tolerance:
        raise WorkflowError("Nothing to decide for this component.")
    if component.beyond_limit:
        raise WorkflowError(_beyond_limit_message(record, [component]))
    reason = require_reason(reason, "Give the reason for accepting the deviation.")
    component.decision_reason, component.decided_by = reason.strip(), user


def accept_supply(record: CompoundingRecord, reason: str, user: User) -> None:
    """A pharmacist accepts a supply that outlasts the BUD, saying why."""
    require_pharmacist(user)
    _lock(record)
    if not record.supply_warning or not record.in_making:
        raise WorkflowError("Nothing to accept about this fill's supply.")
    reason = require_reason(reason, "Give the reason for accepting a supply longer than the BUD.")
    record.supply_accepted_reason, record.supply_accepted_by = reason.strip(), user
    record_event(record.order, user, "supply accepted", f"{record.batch_number}: {reason.strip()}")


def sign_off(record: CompoundingRecord, user: User, today: dt.date | None = None) -> None:
    """The pharmacist's release of the fill on `today` (the pharmacy's date): weights
    recorded, deviations decided, none beyond the discard limit, a supply longer than the BUD
    accepted, the BUD not passed."""
    require_pharmacist(user)
    _lock(record)
    problem = sign_off_problem(record, user, today or pharmacy_today())
    if problem:
        raise WorkflowError(problem)
    record.status = RecordStatus.SIGNED_OFF
    record.signed_off_by, record.signed_off_at = user, utcnow()
    record.order.status = OrderStatus.COMPOUNDED
    record_event(
        record.order,
        user,
        "compounded",
        f"{record.batch_number} signed off; discard after {record.beyond_use_date.isoformat()}",
    )


def sign_off_problem(record: CompoundingRecord, user: User, today: dt.date) -> str | None:
    """Why `user` cannot sign the fill off on `today` (the pharmacy's date); None when they
    can. The record page asks it too, so it never offers a sign-off that will be refused."""
    waiting = substitutions.pending(record)
    if waiting:
        return substitutions.pending_message(record, waiting)
    if record.order.status != OrderStatus.VERIFIED:
        return (
            f"The order is {record.order.status.label}: only a fill of a verified order is "
            "signed off."
        )
    if record.status != RecordStatus.AWAITING_SIGNOFF:
        return "Record the weights before signing off."
    # gates: an expired fill is not released.
    expired = fill_expired(record, today)
    if expired:
        return expired
    beyond = [c for c in record.components if c.beyond_limit]
    if beyond:
        return _beyond_limit_message(record, beyond)
    open_ = [c.role for c in record.components if not c.within_tolerance and not c.decision_reason]
    if open_:
        return "Out of tolerance, needs a decision: " + ", ".join(open_) + "."
    if record.supply_warning and not record.supply_accepted_reason:
        return (
            "The supply outlasts the beyond-use date: shorten it, or a pharmacist accepts it "
            "with a reason, before sign-off."
        )
    if record.prepared_by_id == user.id and not pharmacy_settings().allow_self_verification:
        return "You prepared this fill: another pharmacist must sign it off."
    return None


def _beyond_limit_message(record: CompoundingRecord, components: list[RecordComponent]) -> str:
    found = "; ".join(
        f"{c.role} {plain(c.actual or Decimal(0))} {c.unit} of {plain(c.required)} "
        f"({plain(arithmetic.deviation_percent(c.required, c.actual or Decimal(0)), 1)}% off)"
        for c in components
    )
    return (
        f"Beyond the ±{plain(record.discard_limit_percent)}% a pharmacist may accept: {found}. "
        "Discard this fill and make it again."
    )


def discard(record: CompoundingRecord, reason: str, user: User) -> None:
    """A pharmacist throws a fill away: in progress, weighed, or signed off but not yet
    dispensed (what was taken from stock stays taken: it was used). A signed-off fill's order
    goes back to verified, to be made again."""
    require_pharmacist(user)
    lock_order(record.order)
    db.session.refresh(record)
    if record.dispensed_at is not None:
        raise WorkflowError("A dispensed fill cannot be discarded; void its charge instead.")
    if record.status == RecordStatus.DISCARDED:
        raise WorkflowError("This fill is already discarded.")
    reason = require_reason(reason, "Give the reason for discarding the fill.")
    _discard(record, reason.strip(), user)
    if record.order.status == OrderStatus.COMPOUNDED:
        record.order.status = OrderStatus.VERIFIED


def _discard(record: CompoundingRecord, reason: str, user: User) -> None:
    record.status = RecordStatus.DISCARDED
    record.notes = f"Discarded: {reason}"
    record_event(record.order, user, "discarded", f"{record.batch_number}: {reason}")


@order_rejected.connect
def discard_for_rejected_order(order: Order, *, reason: str, user: User) -> None:
    """Every fill of a rejected order not yet dispensed is discarded with it (sent under the
    order's lock)."""
    for record in db.session.scalars(
        select(CompoundingRecord).where(
            CompoundingRecord.order_id == order.id,
            CompoundingRecord.status != RecordStatus.DISCARDED,
            CompoundingRecord.dispensed_at.is_(None),
        )
    ):
        _discard(record, f"order rejected: {reason}", user)


@order_changing.connect
def refuse_change_under_a_fill(order: Order) -> None:
    """A prescription with a fill made, being made or dispensed may not change (sent before an
    edit, under the order's lock)."""
    fills = db.session.scalars(
        select(CompoundingRecord).where(
            CompoundingRecord.order_id == order.id,
            CompoundingRecord.status != RecordStatus.DISCARDED,
        )
    ).all()
    dispensed = [f for f in fills if f.dispensed_at is not None]
    if dispensed:
        raise WorkflowError(
            f"Fill {dispensed[-1].batch_number} of this prescription has been dispensed: a "
            "change needs a new prescription."
        )
    if fills:
        raise WorkflowError(
            f"Fill {fills[-1].batch_number} is being made for this prescription as it stands. "
            "A pharmacist must discard that fill before the prescription can change."
        )


def _next_batch_number(today: dt.date) -> str:
    value = db.session.execute(
        update(BatchCounter)
        .where(BatchCounter.id == 1)
        .values(value=BatchCounter.value + 1)
        .returning(BatchCounter.value)
    ).scalar_one()
    return f"B{today:%y%m%d}-{value:04d}"
