"""Compounding arithmetic: pure functions, exact Decimals, every figure with its unit and the
calculation shown.

Rounding (stated, and tested): masses to weigh are rounded half up to the balance's
readability (1 mg by default: Medisca asks for a balance reading to 0.001 g for LDN); the
naltrexone per capsule, a computed figure and not a weighing, to 0.0001 mg so the salt and
assay correction shows; volumes half up to 0.1 mL; whole tablets, units and containers are
rounded up, never down, so a batch never runs short.
Sources: shared/domain/ldn.md ("Formulation", "USP <795>").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from ..checks.findings import plain
from ..units import MG_PER_G

ML_STEP = Decimal("0.1")
PER_UNIT_STEP = Decimal("0.0001")
HUNDRED = Decimal(100)
# shared/domain/ldn.md: "Medisca warns LDN needs a balance reading to 0.001 g".
BALANCE_READABILITY_MG = Decimal(1)
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
    # What to weigh or count, by role ("active", "aliquot", "filler", "vehicle").
    amounts: dict[str, tuple[Decimal, str]] = field(default_factory=dict)


def salt_factor(salt_form: str) -> Decimal:
    """Mass of this form that carries the naltrexone of 1 mg of naltrexone HCl."""
    return SALT_FORMS[salt_form] / MW_NALTREXONE_HCL


def units_with_overage(quantity: Decimal, overage_percent: Decimal) -> Decimal:
    """Units to make: the quantity plus overage, rounded up to a whole unit."""
    return (quantity * (1 + overage_percent / HUNDRED)).to_integral_value(ROUND_CEILING)


def weigh(mass_mg: Decimal, readability_mg: Decimal = BALANCE_READABILITY_MG) -> Decimal:
    """A mass as the balance can show it: half up to a whole reading step."""
    steps = (mass_mg / readability_mg).to_integral_value(ROUND_HALF_UP)
    return (steps * readability_mg).quantize(readability_mg.normalize())


def minimum_weighable_mg(readability_mg: Decimal, tolerance_percent: Decimal) -> Decimal:
    """The smallest mass this balance weighs within the tolerance: one reading step may be at
    most the tolerance of the mass (1 mg ÷ 5% = 20 mg)."""
    return readability_mg * HUNDRED / tolerance_percent


def containers_needed(amount: Decimal, capacity: Decimal) -> Decimal:
    """Whole containers for an amount (450 mL into 150 mL bottles: 3), at least one."""
    return max(Decimal(1), (amount / capacity).to_integral_value(ROUND_CEILING))


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
    readability_mg: Decimal = BALANCE_READABILITY_MG,
) -> Worksheet:
    """Naltrexone powder and filler for a batch of capsules (simple fill-by-capacity method:
    each capsule holds its body volume x the filler's bulk density; the filler tops up what
    the drug leaves)."""
    n = units_with_overage(quantity, overage_percent)
    factor = salt_factor(salt_form)
    per_capsule = strength_mg * factor / (assay_percent / HUNDRED)
    powder = weigh(per_capsule * n, readability_mg)
    capacity = CAPSULE_VOLUME_ML[capsule_size] * filler_density_g_per_ml * MG_PER_G
    if per_capsule >= capacity:
        raise ValueError("The drug alone overfills the capsule: choose a larger size.")
    filler = weigh((capacity - per_capsule) * n, readability_mg)
    balance = _to_balance(readability_mg)
    lines = (
        Line(
            "Capsules to make",
            n,
            "capsules",
            f"{plain(quantity)} ordered + {plain(overage_percent)}% overage, rounded up",
        ),
        Line(
            "Naltrexone per capsule",
            per_capsule.quantize(PER_UNIT_STEP, rounding=ROUND_HALF_UP),
            "mg",
            f"{plain(strength_mg)} mg (as HCl) x salt factor {plain(factor, 4)} "
            f"÷ assay {plain(assay_percent)}%",
        ),
        Line(
            "Naltrexone powder to weigh",
            powder,
            "mg",
            f"{plain(per_capsule, 4)} mg x {n} capsules = {plain(per_capsule * n, 2)} mg, "
            + balance,
        ),
        Line(
            "Fill per size-" + capsule_size + " capsule",
            weigh(capacity, readability_mg),
            "mg",
            f"{plain(CAPSULE_VOLUME_ML[capsule_size])} mL x {plain(filler_density_g_per_ml)} "
            f"g/mL ({filler_name})",
        ),
        Line(
            f"{_first_upper(filler_name)} to weigh",
            filler,
            "mg",
            f"({plain(capacity, 2)} - {plain(per_capsule, 4)}) mg x {n} capsules, " + balance,
        ),
        Line("Total powder blend", powder + filler, "mg", "naltrexone + filler"),
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
    readability_mg: Decimal = BALANCE_READABILITY_MG,
) -> Worksheet:
    """Capsules from commercial tablets by the aliquot method: crush whole tablets, weigh the
    share of the powder that carries the batch's naltrexone (the aliquot: the weighing that
    sets the dose), top up with filler."""
    n = units_with_overage(quantity, overage_percent)
    needed = strength_mg * n
    tablets = (needed / tablet_strength_mg).to_integral_value(ROUND_CEILING)
    crushed = tablets * tablet_weight_mg
    aliquot_exact = crushed * needed / (tablets * tablet_strength_mg)
    aliquot = weigh(aliquot_exact, readability_mg)
    capacity = CAPSULE_VOLUME_ML[capsule_size] * filler_density_g_per_ml * MG_PER_G * n
    if aliquot_exact >= capacity:
        raise ValueError("The crushed tablet powder overfills the capsules: choose a larger size.")
    filler = weigh(capacity - aliquot_exact, readability_mg)
    balance = _to_balance(readability_mg)
    lines = (
        Line(
            "Capsules to make",
            n,
            "capsules",
            f"{plain(quantity)} ordered + {plain(overage_percent)}% overage, rounded up",
        ),
        Line("Naltrexone needed", needed, "mg", f"{plain(strength_mg)} mg x {n} capsules"),
        Line(
            f"{plain(tablet_strength_mg)} mg tablets to crush",
            tablets,
            "tablets",
            f"{plain(needed)} mg ÷ {plain(tablet_strength_mg)} mg, rounded up to whole tablets",
        ),
        Line(
            "Crushed tablet powder (expected)",
            weigh(crushed, readability_mg),
            "mg",
            f"{tablets} x {plain(tablet_weight_mg)} mg per tablet",
        ),
        Line(
            "Tablet powder to weigh (aliquot)",
            aliquot,
            "mg",
            f"{plain(crushed)} mg x {plain(needed)} ÷ {plain(tablets * tablet_strength_mg)} mg"
            f" = {plain(aliquot_exact, 2)} mg, " + balance,
        ),
        Line(
            f"{_first_upper(filler_name)} to weigh",
            filler,
            "mg",
            f"{n} x {plain(CAPSULE_VOLUME_ML[capsule_size])} mL x "
            f"{plain(filler_density_g_per_ml)} g/mL - {plain(aliquot_exact, 2)} mg, " + balance,
        ),
    )
    return Worksheet(
        lines,
        n,
        "capsules",
        {"active": (tablets, "tablets"), "aliquot": (aliquot, "mg"), "filler": (filler, "mg")},
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
    concentration is exact (for example 2 x 50 mg tablets in 100 mL = 1 mg/mL).

    Rule: no overage. The liquid is made up to volume in its bottle, and rounding up to whole
    tablets already gives from nothing to just under one tablet's volume extra; an overage on
    top would add a whole tablet (a 5% overage on 100 mL at 1 mg/mL made 150 mL, 50% extra)."""
    tablets = (concentration_mg_per_ml * volume_ml / tablet_strength_mg).to_integral_value(
        ROUND_CEILING
    )
    final = _ml(tablets * tablet_strength_mg / concentration_mg_per_ml)
    ignored = (
        f" (the formula's {plain(overage_percent)}% overage is not applied to whole tablets)"
        if overage_percent
        else ""
    )
    lines = (
        Line(
            "Volume ordered",
            _ml(volume_ml),
            "mL",
            "no overage: made up to volume, and whole tablets round up" + ignored,
        ),
        Line(
            f"{plain(tablet_strength_mg)} mg tablets",
            tablets,
            "tablets",
            f"{plain(concentration_mg_per_ml)} mg/mL x {plain(volume_ml, 1)} mL ÷ "
            f"{plain(tablet_strength_mg)} mg, rounded up to whole tablets",
        ),
        Line(
            "Final volume (make up with " + vehicle_name + ")",
            final,
            "mL",
            f"{tablets} x {plain(tablet_strength_mg)} mg ÷ {plain(concentration_mg_per_ml)} mg/mL",
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
    readability_mg: Decimal = BALANCE_READABILITY_MG,
    per: str = "mL",
) -> Worksheet:
    """A liquid (oral, drops or cream base) from naltrexone powder, made up to volume; with
    `per="g"` a cream made by weight (mg/g): the base weighed to the final weight."""
    if per == "g":
        final = (
            weigh(volume_ml * MG_PER_G * (1 + overage_percent / HUNDRED), readability_mg) / MG_PER_G
        )
    else:
        final = _ml(volume_ml * (1 + overage_percent / HUNDRED))
    factor = salt_factor(salt_form)
    exact = concentration_mg_per_ml * final * factor / (assay_percent / HUNDRED)
    powder = weigh(exact, readability_mg)
    lines = [
        Line(
            "Final weight" if per == "g" else "Final volume",
            final,
            per,
            f"{plain(volume_ml)} {per} ordered + {plain(overage_percent)}% overage",
        ),
        Line(
            "Naltrexone powder to weigh",
            powder,
            "mg",
            f"{plain(concentration_mg_per_ml)} mg/{per} x {plain(final)} {per} x salt factor "
            f"{plain(factor, 4)} ÷ assay {plain(assay_percent)}% = {plain(exact, 2)} mg, "
            + _to_balance(readability_mg),
        ),
    ]
    if per == "g":
        base = final - powder / MG_PER_G
        lines.append(
            Line(
                f"{_first_upper(vehicle_name)} to weigh",
                base,
                "g",
                f"{plain(final)} g - {plain(powder / MG_PER_G)} g of naltrexone: to final weight",
            )
        )
    else:
        base = final
        lines.append(
            Line("Make up with " + vehicle_name, final, "mL", "quantum sufficit to final volume")
        )
    return Worksheet(tuple(lines), final, per, {"active": (powder, "mg"), "vehicle": (base, per)})


def within_tolerance(required: Decimal, actual: Decimal, tolerance_percent: Decimal) -> bool:
    if required == 0:
        return actual == 0
    return deviation_percent(required, actual) <= tolerance_percent


def deviation_percent(required: Decimal, actual: Decimal) -> Decimal:
    """How far an actual amount is from the required one, in percent of the required."""
    if required == 0:
        return Decimal(0) if actual == 0 else HUNDRED
    return abs(actual - required) / required * HUNDRED


def _to_balance(readability_mg: Decimal) -> str:
    return f"to the balance's {plain(readability_mg)} mg"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _ml(value: Decimal) -> Decimal:
    return value.quantize(ML_STEP, rounding=ROUND_HALF_UP)
