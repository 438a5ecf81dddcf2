"""What a fill takes: the compounding settings, the worksheet and what it needs from stock,
lots first-expiry-first (and why an earlier one was passed over), weighings the balance
cannot make within the tolerance."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ..checks import DosageForm, Severity
from ..checks.findings import plain
from ..checks.formulation import check_formulation
from ..extensions import db
from ..settings import settings
from ..units import MG_PER_G, convert
from . import arithmetic
from .models import DOSE_ROLES, Ingredient, IngredientKind, Lot, MasterFormulation


@dataclass(frozen=True)
class Need:
    """What one role of a formula needs from stock for one fill."""

    role: str
    ingredient: Ingredient
    required: Decimal
    unit: str
    weighed: bool
    from_stock: bool = True  # False: a weighing of what another role took from stock

    @property
    def stock_amount(self) -> Decimal:
        if not self.from_stock:
            return Decimal(0)
        return convert(self.required, self.unit, self.ingredient.stock_unit)


def tolerance_percent() -> Decimal:
    """FLASK_COMPOUNDING_TOLERANCE_PERCENT, default 5: a weight further off needs a decision."""
    return settings().compounding_tolerance_percent


def readability_mg() -> Decimal:
    """The balance's readability, FLASK_COMPOUNDING_BALANCE_READABILITY_G, default 0.001 g
    (Medisca: LDN needs a balance reading to 0.001 g; shared/domain/ldn.md)."""
    return settings().compounding_balance_readability_g * MG_PER_G


def discard_limit_percent() -> Decimal:
    """FLASK_COMPOUNDING_DISCARD_LIMIT_PERCENT, default 10: a dose-setting amount further off
    than this (or none at all) cannot be accepted; the fill is discarded and made again. A
    general-knowledge default (USP <795> leaves the limits to the pharmacy), never below the
    tolerance."""
    return max(settings().compounding_discard_limit_percent, tolerance_percent())


def needs(mfr: MasterFormulation, quantity: Decimal) -> tuple[arithmetic.Worksheet, list[Need]]:
    """The worksheet for `quantity` units of the order, and what it takes from stock."""
    active, base = mfr.active_ingredient, mfr.base_ingredient
    overage, readability = mfr.overage_percent, readability_mg()
    from_tablets = active.kind == IngredientKind.TABLET
    if mfr.dosage_form == DosageForm.CAPSULE.value:
        common: dict[str, Any] = {
            "strength_mg": mfr.strength_mg,
            "quantity": quantity,
            "overage_percent": overage,
            "capsule_size": mfr.capsule_size or "1",
            "filler_density_g_per_ml": base.density_g_per_ml or Decimal("0.6"),
            "filler_name": base.name,
            "readability_mg": readability,
        }
        if from_tablets:
            sheet = arithmetic.capsules_from_tablets(
                tablet_strength_mg=active.tablet_strength_mg or Decimal(50),
                tablet_weight_mg=active.tablet_weight_mg or Decimal(0),
                **common,
            )
            result = [
                Need("active", active, sheet.amounts["active"][0], "each", False),
                # The weighing that sets the dose: crushed tablets taken with the tablets.
                Need("aliquot", active, sheet.amounts["aliquot"][0], "mg", True, False),
            ]
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
                readability_mg=readability,
                per=mfr.strength_per or "mL",
                **common_liquid,
            )
            result = [Need("active", active, sheet.amounts["active"][0], "mg", True)]
        vehicle, unit = sheet.amounts["vehicle"]
        result.append(Need("vehicle", base, vehicle, unit, True))
    container = mfr.container_ingredient
    if container is not None:
        count, how = _containers(mfr, sheet, container)
        sheet = dataclasses.replace(
            sheet, lines=(*sheet.lines, arithmetic.Line(container.name, count, "each", how))
        )
        result.append(Need("container", container, count, "each", False))
    return sheet, result


def _containers(
    mfr: MasterFormulation, sheet: arithmetic.Worksheet, container: Ingredient
) -> tuple[Decimal, str]:
    """How many containers the batch fills: one vial for capsules; liquids and creams by
    the container's capacity (a cream made by weight counts 1 g as about 1 mL)."""
    if mfr.dosage_form == DosageForm.CAPSULE.value or not container.capacity_ml:
        return Decimal(1), "one for the fill"
    count = arithmetic.containers_needed(sheet.units_to_make, container.capacity_ml)
    return count, (
        f"{plain(sheet.units_to_make)} {sheet.unit_name} ÷ {plain(container.capacity_ml)} mL "
        "a container, rounded up"
    )


def lots_first_expiry_first(need: Need, today: dt.date) -> list[Lot]:
    """Lots that can supply the need, soonest expiry first."""
    return list(
        db.session.scalars(
            select(Lot)
            .where(
                Lot.ingredient_id == need.ingredient.id,
                Lot.expiry_date >= today,
                Lot.on_hand >= need.stock_amount,
                Lot.quarantined.is_(False),
            )
            .order_by(Lot.expiry_date, Lot.id)
        )
    )


def passed_over(need: Need, used: Lot, today: dt.date) -> list[str]:
    """Why lots that expire before the one used were not used: too little left for this fill
    (one weighing is not split across lots). Empty when first-expiry-first was followed."""
    earlier = db.session.scalars(
        select(Lot)
        .where(
            Lot.ingredient_id == need.ingredient.id,
            Lot.expiry_date >= today,
            Lot.expiry_date < used.expiry_date,
            Lot.quarantined.is_(False),
            Lot.on_hand > 0,
            Lot.on_hand < need.stock_amount,
        )
        .order_by(Lot.expiry_date, Lot.id)
    )
    return [
        f"Lot {lot.lot_number} of {lot.ingredient.name} expires sooner "
        f"({lot.expiry_date.isoformat()}) but has only {plain(lot.on_hand)} "
        f"{lot.ingredient.stock_unit}; this fill needs {plain(need.stock_amount)} and one "
        f"weighing is not split across lots, so lot {used.lot_number} is used. Use "
        f"{lot.lot_number} for a smaller fill before it expires."
        for lot in earlier
    ]


def lot_problems(lot: Lot, need: Need, today: dt.date) -> list[str]:
    """Why a lot cannot be used for a need; empty when it can."""
    problems = []
    if lot.ingredient_id != need.ingredient.id:
        problems.append(
            f"lot {lot.lot_number} is {lot.ingredient.name}, not {need.ingredient.name}"
        )
    if lot.expiry_date < today:
        problems.append(f"lot {lot.lot_number} expired on {lot.expiry_date.isoformat()}")
    if lot.quarantined:
        problems.append(f"lot {lot.lot_number} is quarantined")
    if lot.on_hand < need.stock_amount:
        problems.append(
            f"lot {lot.lot_number} has {plain(lot.on_hand)} "
            f"{lot.ingredient.stock_unit}, the fill needs "
            f"{plain(need.stock_amount)}"
        )
    if need.role == "filler":
        blocks = [
            f
            for f in check_formulation("IR", [lot.ingredient.name])
            if f.severity is Severity.BLOCK
        ]
        problems += [b.message for b in blocks]
    return problems


def weighing_cautions(wanted: list[Need]) -> list[str]:
    """Dose-setting masses below what the balance weighs within the tolerance, with the
    remedy."""
    readability, tolerance = readability_mg(), tolerance_percent()
    least = arithmetic.minimum_weighable_mg(readability, tolerance)
    return [
        f"{plain(need.required)} mg of {need.ingredient.name} ({need.role}) is below the "
        f"balance's minimum weighable quantity: {plain(readability)} mg readability ÷ "
        f"{plain(tolerance)}% tolerance = {plain(least)} mg (one reading step is "
        f"{plain(readability / need.required * 100, 1)}% of it). Make a larger batch, or weigh "
        "a trituration (for example 1 part naltrexone in 9 parts filler, mixed by geometric "
        "dilution) and take the aliquot that carries this amount."
        for need in wanted
        if need.weighed and need.unit == "mg" and need.role in DOSE_ROLES and need.required < least
    ]
