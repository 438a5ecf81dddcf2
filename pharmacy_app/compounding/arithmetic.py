"""Compounding arithmetic and beyond-use dates: pure functions, exact Decimals, every figure
with its unit and the calculation shown.

Rounding (stated, and tested): masses to weigh are rounded half up to 0.1 mg; volumes half up
to 0.1 mL; whole tablets and units are rounded up, never down, so a batch never runs short.
Sources: shared/domain/ldn.md ("Formulation", "USP <795>").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from enum import StrEnum

MG_STEP = Decimal("0.1")
ML_STEP = Decimal("0.1")
HUNDRED = Decimal(100)
# Molecular weights (shared/domain/ldn.md "Salt"): LDN doses and 50 mg tablets are stated as
# naltrexone HCl (anhydrous). A powder in another form needs more (or less) mass.
MW_NALTREXONE_HCL = Decimal("377.86")
SALT_FORMS: dict[str, Decimal] = {
    "hcl": Decimal("377.86"),  # naltrexone hydrochloride, anhydrous
    "hcl_dihydrate": Decimal("413.9"),  # about 1.095 x anhydrous (general knowledge)
    "base": Decimal("341.4"),  # naltrexone base
}
# Capsule body volumes in mL by size (shared/domain/ldn.md; general knowledge).
CAPSULE_VOLUME_ML: dict[str, Decimal] = {
    "000": Decimal("1.37"),
    "00": Decimal("0.95"),
    "0": Decimal("0.68"),
    "1": Decimal("0.50"),
    "2": Decimal("0.37"),
    "3": Decimal("0.30"),
    "4": Decimal("0.21"),
}


class BudRule(StrEnum):
    """USP <795> default beyond-use dates when there is no stability data."""

    AQUEOUS_UNPRESERVED = "aqueous_unpreserved"  # 14 days, refrigerator
    AQUEOUS_PRESERVED = "aqueous_preserved"  # 35 days
    NONAQUEOUS_LIQUID = "nonaqueous_liquid"  # 90 days
    SOLID = "solid"  # capsules, tablets, troches: 180 days

    @property
    def days(self) -> int:
        return {
            "aqueous_unpreserved": 14,
            "aqueous_preserved": 35,
            "nonaqueous_liquid": 90,
            "solid": 180,
        }[self.value]

    @property
    def storage(self) -> str:
        if self is BudRule.AQUEOUS_UNPRESERVED:
            return "Store in a refrigerator, 2-8 °C"
        return "Store at room temperature, 20-25 °C, or in a refrigerator"

    @property
    def label(self) -> str:
        return {
            "aqueous_unpreserved": "Aqueous, not preserved (USP <795>: 14 days)",
            "aqueous_preserved": "Aqueous, preserved (USP <795>: 35 days)",
            "nonaqueous_liquid": "Non-aqueous liquid (USP <795>: 90 days)",
            "solid": "Non-aqueous solid, e.g. capsules (USP <795>: 180 days)",
        }[self.value]


@dataclass(frozen=True)
class Line:
    """One figure of the worksheet: what, how much, in which unit, and how it was worked out."""

    what: str
    amount: Decimal
    unit: str
    how: str


@dataclass(frozen=True)
class Worksheet:
    lines: tuple[Line, ...]
    units_to_make: Decimal
    unit_name: str
    # What to weigh or count, by ingredient role ("active", "filler", "vehicle").
    amounts: dict[str, tuple[Decimal, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class BeyondUseDate:
    date: dt.date
    storage: str
    why: str


def salt_factor(salt_form: str) -> Decimal:
    """Mass of this form that carries the naltrexone of 1 mg of naltrexone HCl."""
    return SALT_FORMS[salt_form] / MW_NALTREXONE_HCL


def units_with_overage(quantity: Decimal, overage_percent: Decimal) -> Decimal:
    """Units to make: the quantity plus overage, rounded up to a whole unit."""
    return (quantity * (1 + overage_percent / HUNDRED)).to_integral_value(ROUND_CEILING)


def capsules_from_powder(
    *,
    strength_mg: Decimal,
    quantity: Decimal,
    overage_percent: Decimal,
    capsule_size: str,
    filler_density_g_per_ml: Decimal,
    salt_form: str = "hcl",
    assay_percent: Decimal = HUNDRED,
    filler_name: str = "filler",
) -> Worksheet:
    """Naltrexone powder and filler for a batch of capsules (simple fill-by-capacity method:
    each capsule holds its body volume x the filler's bulk density; the filler tops up what
    the drug leaves)."""
    n = units_with_overage(quantity, overage_percent)
    factor = salt_factor(salt_form)
    per_capsule = strength_mg * factor / (assay_percent / HUNDRED)
    powder = _mg(per_capsule * n)
    capacity = CAPSULE_VOLUME_ML[capsule_size] * filler_density_g_per_ml * 1000
    if per_capsule >= capacity:
        raise ValueError("The drug alone overfills the capsule: choose a larger size.")
    filler_each = capacity - per_capsule
    filler = _mg(filler_each * n)
    lines = (
        Line(
            "Capsules to make",
            n,
            "capsules",
            f"{_p(quantity)} ordered + {_p(overage_percent)}% overage, rounded up",
        ),
        Line(
            "Naltrexone per capsule",
            _mg(per_capsule),
            "mg",
            f"{_p(strength_mg)} mg (as HCl) x salt factor {_p(factor, 4)} "
            f"÷ assay {_p(assay_percent)}%",
        ),
        Line("Naltrexone powder to weigh", powder, "mg", f"{_p(per_capsule, 4)} mg x {n} capsules"),
        Line(
            "Fill per size-" + capsule_size + " capsule",
            _mg(capacity),
            "mg",
            f"{_p(CAPSULE_VOLUME_ML[capsule_size])} mL x {_p(filler_density_g_per_ml)} g/mL "
            f"({filler_name})",
        ),
        Line(
            f"{_first_upper(filler_name)} to weigh",
            filler,
            "mg",
            f"({_p(capacity, 2)} - {_p(per_capsule, 4)}) mg x {n} capsules",
        ),
        Line("Total powder blend", _mg(powder + filler), "mg", "naltrexone + filler"),
    )
    return Worksheet(lines, n, "capsules", {"active": (powder, "mg"), "filler": (filler, "mg")})


def capsules_from_tablets(
    *,
    strength_mg: Decimal,
    quantity: Decimal,
    overage_percent: Decimal,
    tablet_strength_mg: Decimal,
    tablet_weight_mg: Decimal,
    capsule_size: str,
    filler_density_g_per_ml: Decimal,
    filler_name: str = "filler",
) -> Worksheet:
    """Capsules from commercial tablets by the aliquot method: crush whole tablets, weigh the
    share of the powder that carries the batch's naltrexone, top up with filler."""
    n = units_with_overage(quantity, overage_percent)
    needed = strength_mg * n
    tablets = (needed / tablet_strength_mg).to_integral_value(ROUND_CEILING)
    crushed = tablets * tablet_weight_mg
    aliquot = crushed * needed / (tablets * tablet_strength_mg)
    capacity = CAPSULE_VOLUME_ML[capsule_size] * filler_density_g_per_ml * 1000 * n
    if aliquot >= capacity:
        raise ValueError("The crushed tablet powder overfills the capsules: choose a larger size.")
    filler = capacity - aliquot
    lines = (
        Line(
            "Capsules to make",
            n,
            "capsules",
            f"{_p(quantity)} ordered + {_p(overage_percent)}% overage, rounded up",
        ),
        Line("Naltrexone needed", _mg(needed), "mg", f"{_p(strength_mg)} mg x {n} capsules"),
        Line(
            f"{_p(tablet_strength_mg)} mg tablets to crush",
            tablets,
            "tablets",
            f"{_p(needed)} mg ÷ {_p(tablet_strength_mg)} mg, rounded up to whole tablets",
        ),
        Line(
            "Crushed tablet powder (expected)",
            _mg(crushed),
            "mg",
            f"{tablets} x {_p(tablet_weight_mg)} mg per tablet",
        ),
        Line(
            "Tablet powder to weigh (aliquot)",
            _mg(aliquot),
            "mg",
            f"{_p(crushed)} mg x {_p(needed)} ÷ {_p(tablets * tablet_strength_mg)} mg",
        ),
        Line(
            f"{_first_upper(filler_name)} to weigh",
            _mg(filler),
            "mg",
            f"{n} x {_p(CAPSULE_VOLUME_ML[capsule_size])} mL x "
            f"{_p(filler_density_g_per_ml)} g/mL - {_p(aliquot, 1)} mg",
        ),
    )
    return Worksheet(
        lines,
        n,
        "capsules",
        {
            "active": (tablets, "tablets"),
            "aliquot": (_mg(aliquot), "mg"),
            "filler": (_mg(filler), "mg"),
        },
    )


def liquid_from_tablets(
    *,
    concentration_mg_per_ml: Decimal,
    volume_ml: Decimal,
    overage_percent: Decimal,
    tablet_strength_mg: Decimal,
    vehicle_name: str = "vehicle",
) -> Worksheet:
    """An oral liquid from whole 50 mg tablets: whole tablets, and the volume made up so the
    concentration is exact (for example 2 x 50 mg tablets in 100 mL = 1 mg/mL)."""
    wanted = volume_ml * (1 + overage_percent / HUNDRED)
    tablets = (concentration_mg_per_ml * wanted / tablet_strength_mg).to_integral_value(
        ROUND_CEILING
    )
    final = _ml(tablets * tablet_strength_mg / concentration_mg_per_ml)
    lines = (
        Line(
            "Volume wanted",
            _ml(wanted),
            "mL",
            f"{_p(volume_ml)} mL ordered + {_p(overage_percent)}% overage",
        ),
        Line(
            f"{_p(tablet_strength_mg)} mg tablets",
            tablets,
            "tablets",
            f"{_p(concentration_mg_per_ml)} mg/mL x {_p(wanted, 1)} mL ÷ "
            f"{_p(tablet_strength_mg)} mg, rounded up to whole tablets",
        ),
        Line(
            "Final volume (make up with " + vehicle_name + ")",
            final,
            "mL",
            f"{tablets} x {_p(tablet_strength_mg)} mg ÷ {_p(concentration_mg_per_ml)} mg/mL",
        ),
    )
    return Worksheet(lines, final, "mL", {"active": (tablets, "tablets"), "vehicle": (final, "mL")})


def liquid_from_powder(
    *,
    concentration_mg_per_ml: Decimal,
    volume_ml: Decimal,
    overage_percent: Decimal,
    salt_form: str = "hcl",
    assay_percent: Decimal = HUNDRED,
    vehicle_name: str = "vehicle",
) -> Worksheet:
    """A liquid (oral, drops or cream base) from naltrexone powder, made up to volume."""
    final = _ml(volume_ml * (1 + overage_percent / HUNDRED))
    factor = salt_factor(salt_form)
    powder = _mg(concentration_mg_per_ml * final * factor / (assay_percent / HUNDRED))
    lines = (
        Line(
            "Final volume",
            final,
            "mL",
            f"{_p(volume_ml)} mL ordered + {_p(overage_percent)}% overage",
        ),
        Line(
            "Naltrexone powder to weigh",
            powder,
            "mg",
            f"{_p(concentration_mg_per_ml)} mg/mL x {_p(final)} mL x salt factor "
            f"{_p(factor, 4)} ÷ assay {_p(assay_percent)}%",
        ),
        Line("Make up with " + vehicle_name, final, "mL", "quantum sufficit to final volume"),
    )
    return Worksheet(lines, final, "mL", {"active": (powder, "mg"), "vehicle": (final, "mL")})


def beyond_use_date(
    rule: BudRule, compounded_on: dt.date, lot_expiries: list[dt.date]
) -> BeyondUseDate:
    """The USP <795> default for the preparation's kind, never later than the earliest
    expiry of any component used."""
    by_rule = compounded_on + dt.timedelta(days=rule.days)
    earliest = min(lot_expiries) if lot_expiries else None
    if earliest is not None and earliest < by_rule:
        return BeyondUseDate(
            earliest,
            rule.storage,
            f"earliest component expiry ({earliest.isoformat()}) comes before "
            f"the {rule.days}-day USP <795> limit",
        )
    return BeyondUseDate(by_rule, rule.storage, f"{rule.label}")


def within_tolerance(required: Decimal, actual: Decimal, tolerance_percent: Decimal) -> bool:
    if required == 0:
        return actual == 0
    return abs(actual - required) / required * HUNDRED <= tolerance_percent


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _mg(value: Decimal) -> Decimal:
    return value.quantize(MG_STEP, rounding=ROUND_HALF_UP)


def _ml(value: Decimal) -> Decimal:
    return value.quantize(ML_STEP, rounding=ROUND_HALF_UP)


def _p(value: Decimal, places: int | None = None) -> str:
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(value.normalize(), "f")
    return text
