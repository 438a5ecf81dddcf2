"""Compounding work: lots first-expiry-first, the matching formula, the worksheet, weights,
stock, sign-off. Every function works in the caller's session; the caller commits once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ..accounts.models import Permission, User
from ..accounts.services import pharmacy_settings
from ..checks import DosageForm, Severity
from ..checks.formulation import check_formulation
from ..checks.rules.text import normalize
from ..extensions import db
from ..orders.models import Order, OrderStatus
from ..orders.services import WorkflowError, current_policy, record_event
from ..timeutil import utcnow
from . import arithmetic
from .models import (
    BatchCounter,
    CompoundingRecord,
    Ingredient,
    IngredientKind,
    Lot,
    MasterFormulation,
    RecordComponent,
    RecordStatus,
)

# Stock is kept in g, mL or each; the worksheet speaks mg, mL or units.
TO_STOCK = {("mg", "g"): Decimal("0.001"), ("mL", "mL"): Decimal(1), ("each", "each"): Decimal(1)}


@dataclass(frozen=True)
class Need:
    """What one role of a formula needs from stock for one fill."""

    role: str
    ingredient: Ingredient
    required: Decimal
    unit: str
    weighed: bool

    @property
    def stock_amount(self) -> Decimal:
        return self.required * TO_STOCK[(self.unit, self.ingredient.stock_unit)]


def tolerance_percent() -> Decimal:
    return Decimal(str(current_app.config.get("COMPOUNDING_TOLERANCE_PERCENT", "5")))


def formulation_problems(mfr: MasterFormulation) -> list[str]:
    """Why a formula may not be saved: the checker's blocks on its release and base."""
    findings = check_formulation(
        mfr.release, [mfr.base_ingredient.name], current_policy().accepted_excipients
    )
    return [f.message for f in findings if f.severity is Severity.BLOCK]


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
    matches, reasons = [], []
    for mfr in candidates:
        why = _mismatch(mfr, order)
        if why:
            reasons.append(f"{mfr.name}: {why}")
        else:
            matches.append(mfr)
    if not candidates:
        reasons.append(f"No master formulation record for {order.dosage_form.replace('_', ' ')}.")
    return matches, reasons


# Names of one filler, as prescriptions and catalogues write it.
FILLER_FAMILIES = {
    "microcrystalline cellulose": "MCC",
    "mcc": "MCC",
    "avicel": "MCC",
    "cellulose microcrystalline": "MCC",
    "lactose": "lactose",
    "sucrose": "sucrose",
    "acidophilus": "acidophilus",
    "probiotic": "acidophilus",
    "sodium bicarbonate": "sodium bicarbonate",
    "rice flour": "rice flour",
}


def filler_family(name: str) -> str | None:
    text = f" {normalize(name)} "
    for words, family in FILLER_FAMILIES.items():
        if f" {words} " in text:
            return family
    return None


def _mismatch(mfr: MasterFormulation, order: Order) -> str:
    if mfr.strength_mg != order.strength_mg or mfr.strength_per != order.strength_per:
        per = f"/{mfr.strength_per}" if mfr.strength_per else ""
        return f"strength {arithmetic._p(mfr.strength_mg)} mg{per}, not {order.strength_text}"
    if order.dosage_form == DosageForm.CAPSULE.value and order.excipients:
        wanted = {filler_family(e) for e in order.excipients} - {None}
        if filler_family(mfr.base_ingredient.name) not in wanted:
            return (
                f"filler {mfr.base_ingredient.name}; the prescription asks for "
                f"{', '.join(order.excipients)}"
            )
    return ""


def needs(mfr: MasterFormulation, quantity: Decimal) -> tuple[arithmetic.Worksheet, list[Need]]:
    """The worksheet for `quantity` units of the order, and what it takes from stock."""
    active, base = mfr.active_ingredient, mfr.base_ingredient
    overage = mfr.overage_percent
    from_tablets = active.kind == IngredientKind.TABLET.value
    if mfr.dosage_form == DosageForm.CAPSULE.value:
        common: dict[str, Any] = {
            "strength_mg": mfr.strength_mg,
            "quantity": quantity,
            "overage_percent": overage,
            "capsule_size": mfr.capsule_size or "1",
            "filler_density_g_per_ml": base.density_g_per_ml or Decimal("0.6"),
            "filler_name": base.name,
        }
        if from_tablets:
            sheet = arithmetic.capsules_from_tablets(
                tablet_strength_mg=active.tablet_strength_mg or Decimal(50),
                tablet_weight_mg=active.tablet_weight_mg or Decimal(0),
                **common,
            )
            result = [Need("active", active, sheet.amounts["active"][0], "each", False)]
        else:
            sheet = arithmetic.capsules_from_powder(
                salt_form=active.salt_form or "hcl",
                assay_percent=active.assay_percent or Decimal(100),
                **common,
            )
            result = [Need("active", active, sheet.amounts["active"][0], "mg", True)]
        result.append(Need("filler", base, sheet.amounts["filler"][0], "mg", True))
        if mfr.shell_ingredient is not None:
            result.append(Need("shell", mfr.shell_ingredient, sheet.units_to_make, "each", False))
    else:
        common_liquid: dict[str, Any] = {
            "concentration_mg_per_ml": mfr.strength_mg,
            "volume_ml": quantity,
            "overage_percent": overage,
            "vehicle_name": base.name,
        }
        if from_tablets:
            sheet = arithmetic.liquid_from_tablets(
                tablet_strength_mg=active.tablet_strength_mg or Decimal(50), **common_liquid
            )
            result = [Need("active", active, sheet.amounts["active"][0], "each", False)]
        else:
            sheet = arithmetic.liquid_from_powder(
                salt_form=active.salt_form or "hcl",
                assay_percent=active.assay_percent or Decimal(100),
                **common_liquid,
            )
            result = [Need("active", active, sheet.amounts["active"][0], "mg", True)]
        result.append(Need("vehicle", base, sheet.amounts["vehicle"][0], "mL", True))
    if mfr.container_ingredient is not None:
        result.append(Need("container", mfr.container_ingredient, Decimal(1), "each", False))
    return sheet, result


def lots_first_expiry_first(need: Need, today: dt.date) -> list[Lot]:
    """Lots that can supply the need, soonest expiry first."""
    return list(
        db.session.scalars(
            select(Lot)
            .where(
                Lot.ingredient_id == need.ingredient.id,
                Lot.expiry_date >= today,
                Lot.on_hand >= need.stock_amount,
            )
            .order_by(Lot.expiry_date, Lot.id)
        )
    )


def lot_problems(lot: Lot, need: Need, today: dt.date) -> list[str]:
    """Why a lot cannot be used for a need; empty when it can."""
    problems = []
    if lot.ingredient_id != need.ingredient.id:
        problems.append(
            f"lot {lot.lot_number} is {lot.ingredient.name}, not {need.ingredient.name}"
        )
    if lot.expiry_date < today:
        problems.append(f"lot {lot.lot_number} expired on {lot.expiry_date.isoformat()}")
    if lot.on_hand < need.stock_amount:
        problems.append(
            f"lot {lot.lot_number} has {arithmetic._p(lot.on_hand)} "
            f"{lot.ingredient.stock_unit}, the fill needs "
            f"{arithmetic._p(need.stock_amount)}"
        )
    if need.role == "filler":
        blocks = [
            f
            for f in check_formulation("IR", [lot.ingredient.name])
            if f.severity is Severity.BLOCK
        ]
        problems += [b.message for b in blocks]
    return problems


def start_record(
    order: Order,
    mfr: MasterFormulation,
    lot_ids: dict[str, int],
    user: User,
    today: dt.date | None = None,
) -> CompoundingRecord:
    """Make the worksheet for a verified order with the chosen lots (first-expiry-first
    where none is chosen). Refuses with the reason when anything is wrong."""
    today = today or dt.date.today()
    if order.status != OrderStatus.VERIFIED.value:
        raise WorkflowError(
            f"Only a verified order is compounded; this one is {OrderStatus(order.status).label}."
        )
    if _mismatch(mfr, order) or not mfr.is_current:
        raise WorkflowError(
            f"{mfr.name} does not make this order: "
            f"{_mismatch(mfr, order) or 'not the current version'}."
        )
    problems = formulation_problems(mfr)
    if problems:
        raise WorkflowError("; ".join(problems))
    fills = db.session.scalars(
        select(CompoundingRecord).where(
            CompoundingRecord.order_id == order.id,
            CompoundingRecord.status != RecordStatus.DISCARDED.value,
        )
    ).all()
    if any(f.dispensed_at is None for f in fills):
        raise WorkflowError("This order has a fill that is not dispensed yet: finish it first.")
    if len(fills) > order.refills:
        raise WorkflowError("No refills are left on this prescription.")
    sheet, wanted = needs(mfr, order.quantity)
    components, errors = [], []
    for need in wanted:
        lot = (
            db.session.get(Lot, lot_ids[need.role])
            if lot_ids.get(need.role)
            else next(iter(lots_first_expiry_first(need, today)), None)
        )
        if lot is None:
            errors.append(
                f"no usable lot of {need.ingredient.name} (in date, with "
                f"{arithmetic._p(need.stock_amount)} {need.ingredient.stock_unit})"
            )
            continue
        errors += lot_problems(lot, need, today)
        components.append(
            RecordComponent(
                role=need.role,
                lot=lot,
                required=need.required,
                unit=need.unit,
                weighed=need.weighed,
            )
        )
    if errors:
        raise WorkflowError("Cannot use these lots: " + "; ".join(errors) + ".")
    bud = arithmetic.beyond_use_date(
        arithmetic.BudRule(mfr.bud_rule), today, [c.lot.expiry_date for c in components]
    )
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
        beyond_use_date=bud.date,
        storage=mfr.storage or bud.storage,
        bud_reason=bud.why,
        fill_number=len(fills) + 1,
        created_by=user,
        components=components,
    )
    db.session.add(record)
    record_event(
        order,
        user,
        "compounding",
        f"Worksheet {record.batch_number} from {mfr.name} v{mfr.version}",
    )
    db.session.flush()
    return record


def record_weights(record: CompoundingRecord, actuals: dict[int, Decimal], user: User) -> None:
    """Enter what was actually weighed or counted; take it from stock (never below zero,
    even when two fills draw on the same lot at once); flag what is out of tolerance."""
    if record.status != RecordStatus.IN_PROGRESS.value:
        raise WorkflowError("The weights of this record are already recorded.")
    for component in record.components:
        actual = actuals.get(component.id)
        if actual is None:
            raise WorkflowError(f"Enter the {component.role} amount.")
        if not actual.is_finite() or actual < 0:
            raise WorkflowError(f"Enter the {component.role} amount as a number, 0 or more.")
        component.actual = actual
        component.within_tolerance = (
            arithmetic.within_tolerance(component.required, actual, record.tolerance_percent)
            if component.weighed
            else actual == component.required
        )
        _take_from_stock(
            component.lot, actual * TO_STOCK[(component.unit, component.lot.ingredient.stock_unit)]
        )
    record.status = RecordStatus.AWAITING_SIGNOFF.value
    record.prepared_by, record.prepared_at = user, utcnow()


def _take_from_stock(lot: Lot, amount: Decimal) -> None:
    taken = db.session.execute(
        update(Lot)
        .where(Lot.id == lot.id, Lot.on_hand >= amount)
        .values(on_hand=Lot.on_hand - amount)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise WorkflowError(
            f"Lot {lot.lot_number} of {lot.ingredient.name} does not have "
            f"{arithmetic._p(amount)} {lot.ingredient.stock_unit} left."
        )
    db.session.expire(lot, ["on_hand"])


def accept_deviation(
    record: CompoundingRecord, component: RecordComponent, reason: str, user: User
) -> None:
    _require_pharmacist(user)
    if record.status != RecordStatus.AWAITING_SIGNOFF.value or component.within_tolerance:
        raise WorkflowError("Nothing to decide for this component.")
    if len(reason.strip()) < 5:
        raise WorkflowError("Give the reason for accepting the deviation.")
    component.decision_reason, component.decided_by = reason.strip(), user


def sign_off(record: CompoundingRecord, user: User) -> None:
    """The pharmacist's release of the fill: weights recorded, deviations decided."""
    _require_pharmacist(user)
    if record.status != RecordStatus.AWAITING_SIGNOFF.value:
        raise WorkflowError("Record the weights before signing off.")
    open_ = [c.role for c in record.components if not c.within_tolerance and not c.decision_reason]
    if open_:
        raise WorkflowError("Out of tolerance, needs a decision: " + ", ".join(open_) + ".")
    if record.prepared_by_id == user.id and not pharmacy_settings().allow_self_verification:
        raise WorkflowError("You prepared this fill: another pharmacist must sign it off.")
    record.status = RecordStatus.SIGNED_OFF.value
    record.signed_off_by, record.signed_off_at = user, utcnow()
    record.order.status = OrderStatus.COMPOUNDED.value
    record_event(
        record.order,
        user,
        "compounded",
        f"{record.batch_number} signed off; discard after {record.beyond_use_date.isoformat()}",
    )


def discard(record: CompoundingRecord, reason: str, user: User) -> None:
    _require_pharmacist(user)
    if record.status == RecordStatus.SIGNED_OFF.value:
        raise WorkflowError("A signed-off fill cannot be discarded here.")
    if len(reason.strip()) < 5:
        raise WorkflowError("Give the reason for discarding the fill.")
    record.status = RecordStatus.DISCARDED.value
    record.notes = f"Discarded: {reason.strip()}"
    record_event(record.order, user, "discarded", f"{record.batch_number}: {reason.strip()}")


def _next_batch_number(today: dt.date) -> str:
    value = db.session.execute(
        update(BatchCounter)
        .where(BatchCounter.id == 1)
        .values(value=BatchCounter.value + 1)
        .returning(BatchCounter.value)
    ).scalar_one()
    return f"B{today:%y%m%d}-{value:04d}"


def _require_pharmacist(user: User) -> None:
    if not user.can(Permission.VERIFY):
        raise WorkflowError("Only a pharmacist can do this.")
