"""What a master formulation record must be to be saved or followed (the checker's rules, a
BUD rule and storage that fit its form and vehicle, ingredients of the right kind and unit,
shells of its capsule size), and whether it makes an order: strength, filler, vehicle."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from ..checks import DosageForm, Severity, allergy_to
from ..checks.findings import plain
from ..checks.formulation import check_formulation
from ..checks.rules.text import normalize
from ..extensions import db
from ..orders.models import Order
from ..orders.services import current_policy
from ..workflow import WorkflowError, lock_row
from . import arithmetic
from .bud import BudRule, rule_problem, storage_problem
from .models import Ingredient, IngredientKind, MasterFormulation
from .worksheets import needs

CAPSULE = DosageForm.CAPSULE.value
# The stock unit each kind of ingredient is counted in, as the arithmetic expects it.
STOCK_UNITS = {
    IngredientKind.ACTIVE_POWDER: "g",
    IngredientKind.TABLET: "each",
    IngredientKind.FILLER: "g",
    IngredientKind.CAPSULE_SHELL: "each",
    IngredientKind.CONTAINER: "each",
}


def formulation_problems(mfr: MasterFormulation) -> list[str]:
    """Why a formula may not be saved: the checker's blocks on its release and base."""
    findings = check_formulation(
        mfr.release, [mfr.base_ingredient.name], current_policy().accepted_excipients
    )
    return [f.message for f in findings if f.severity is Severity.BLOCK]


def formula_field_problems(mfr: MasterFormulation) -> dict[str, list[str]]:
    """Every reason the formula cannot be saved or followed, by the form field it concerns."""
    problems: dict[str, list[str]] = defaultdict(list)
    problems["base_ingredient"] += formulation_problems(mfr)
    capsule = mfr.dosage_form == CAPSULE
    _strength(mfr, capsule, problems)
    _ingredients(mfr, capsule, problems)
    rule = BudRule(mfr.bud_rule)
    why = rule_problem(mfr.dosage_form, mfr.aqueous, rule)
    if why:
        problems["aqueous" if capsule and mfr.aqueous else "bud_rule"].append(why)
    why = storage_problem(rule, mfr.storage)
    if why:
        problems["storage"].append(why)
    if not capsule and mfr.active_ingredient.kind == IngredientKind.TABLET and mfr.overage_percent:
        problems["overage_percent"].append(
            "A liquid from whole tablets takes no overage: it is made up to volume, and whole "
            "tablets already round up. Set 0."
        )
    return {field: messages for field, messages in problems.items() if messages}


def save_problems(mfr: MasterFormulation, vehicle_stated: bool) -> dict[str, list[str]]:
    """Why a new formula (or version) may not be saved, by form field: its rules, whether the
    vehicle contains water when the form did not say, and the worksheet's arithmetic."""
    problems = formula_field_problems(mfr)
    if mfr.dosage_form != CAPSULE and not vehicle_stated:
        # The BUD rules that fit depend on the answer: ask for it before judging the rule.
        problems.pop("bud_rule", None)
        problems["aqueous"] = ["Say whether the vehicle contains water (aqueous) or not."]
    if not problems:
        try:
            needs(mfr, example_quantity(mfr))
        except ValueError as exc:
            problems = {"capsule_size": [str(exc)]}
    return problems


def example_quantity(mfr: MasterFormulation) -> Decimal:
    """The quantity a formula's page shows its worksheet for: 30 capsules, or 100 mL or g."""
    return Decimal(30) if mfr.strength_per is None else Decimal(100)


def example_sheet(mfr: MasterFormulation) -> arithmetic.Worksheet | None:
    """The formula's worksheet for its example quantity; None for a formula saved before its
    checks, whose page says what is wrong with it."""
    try:
        sheet, _ = needs(mfr, example_quantity(mfr))
    except ValueError:
        return None
    return sheet


def versions_of(mfr: MasterFormulation) -> Sequence[MasterFormulation]:
    """Every version of the formula's family, newest first."""
    return db.session.scalars(
        select(MasterFormulation)
        .where(MasterFormulation.family == mfr.family)
        .order_by(MasterFormulation.version.desc())
    ).all()


def formulas_listed() -> Sequence[MasterFormulation]:
    """Every formula: the current ones first, by name, each family's newest version first."""
    return db.session.scalars(
        select(MasterFormulation).order_by(
            MasterFormulation.is_current.desc(),
            MasterFormulation.name,
            MasterFormulation.version.desc(),
        )
    ).all()


class FormulaConflict(WorkflowError):
    """A formula that cannot be saved as the database now stands, with the field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field)


def add_formulation(mfr: MasterFormulation, previous: MasterFormulation | None) -> None:
    """Add a new formula, or the next version of `previous`, to the session. Families and
    version numbers come from the database, never the clock: (family, version) is unique,
    and so is the name among current formulas, so two saves at once cannot make the same one
    or two of one name (the loser raises IntegrityError and `save_conflict` says why); and
    `previous` is re-read under its row lock, so a second save of the same change (a double
    submit) finds it no longer current and is refused."""
    if previous is None:
        _refuse_taken_name(mfr.name, family=None)
        mfr.family, mfr.version = _free_family(formula_slug(mfr.name)), 1
    else:
        lock_row(previous, MasterFormulation.is_current)
        _refuse_outdated(previous)
        _refuse_taken_name(mfr.name, family=previous.family)
        previous.is_current = False
        # Out of the current names' unique index before the new version takes its name.
        db.session.flush()
        mfr.family = previous.family
        mfr.version = (
            db.session.scalar(
                select(func.max(MasterFormulation.version)).where(
                    MasterFormulation.family == previous.family
                )
            )
            or 0
        ) + 1
    db.session.add(mfr)
    db.session.flush()


def save_conflict(name: str, previous: MasterFormulation | None) -> FormulaConflict:
    """Why a save lost to another made at the same moment (after the rollback)."""
    try:
        if previous is not None:
            db.session.refresh(previous)
            _refuse_outdated(previous)
        _refuse_taken_name(name, family=previous.family if previous else None)
    except FormulaConflict as conflict:
        return conflict
    return FormulaConflict(
        "name", "Another formula was saved at the same moment: check the list, then save again."
    )


def formula_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:80] or "formula"


def _refuse_outdated(previous: MasterFormulation) -> None:
    if previous.is_current:
        return
    current = db.session.scalars(
        select(MasterFormulation)
        .where(MasterFormulation.family == previous.family)
        .order_by(MasterFormulation.version.desc())
        .limit(1)
    ).one()
    raise FormulaConflict(
        "name",
        f"Version {current.version} of {current.name} was saved after the version "
        f"{previous.version} this change starts from (perhaps this very change, sent "
        "twice): nothing was saved. Open the current version and make the change there.",
    )


def _refuse_taken_name(name: str, family: str | None) -> None:
    """Two current formulas of one name could not be told apart when a fill is started.
    Names are folded by the database, as its unique index on current names folds them; that
    index refuses a formula saved at the same moment, which this check cannot see."""
    same = db.session.scalars(
        select(MasterFormulation).where(
            MasterFormulation.is_current.is_(True),
            func.lower(MasterFormulation.name) == func.lower(name.strip()),
            MasterFormulation.family != (family or ""),
        )
    ).first()
    if same is not None:
        raise FormulaConflict(
            "name",
            f"A formula named {same.name} already exists (version {same.version}): make a new "
            "version of it, or give this one another name.",
        )


def _free_family(slug: str) -> str:
    """The slug, or the slug with the lowest free number ("ldn-4-5-mg-2")."""
    taken = set(
        db.session.scalars(
            select(MasterFormulation.family)
            .where(MasterFormulation.family.startswith(slug, autoescape=True))
            .distinct()
        )
    )
    if slug not in taken:
        return slug
    number = 2
    while f"{slug}-{number}" in taken:
        number += 1
    return f"{slug}-{number}"


@dataclass(frozen=True, slots=True)
class BaseDifference:
    """A formula's base that is not the prescription's: a capsule filler of another family,
    or a liquid's or cream's vehicle that does not name every prescribed ingredient."""

    kind: str  # "filler" or "vehicle"
    prescribed: tuple[str, ...]
    used: str
    missing: tuple[str, ...]  # the prescribed vehicle ingredients the base does not name


def base_difference(mfr: MasterFormulation, order: Order) -> BaseDifference | None:
    """How the formula's filler or vehicle differs from the prescription's; None when it is
    the prescribed one, or none was prescribed."""
    if not order.excipients:
        return None
    base, prescribed = mfr.base_ingredient.name, tuple(order.excipients)
    if order.dosage_form == CAPSULE:
        wanted = {filler_family(e) for e in prescribed} - {None}
        if not wanted or filler_family(base) in wanted:
            return None
        return BaseDifference("filler", prescribed, base, ())
    named = f" {normalize(base)} "
    missing = tuple(e for e in prescribed if f" {normalize(e)} " not in named)
    return BaseDifference("vehicle", prescribed, base, missing) if missing else None


def allergy_note(mfr: MasterFormulation, order: Order) -> str | None:
    """The patient's allergy or intolerance that names the formula's filler or vehicle (a
    lactose filler for "lactose intolerance"), which the checker could not see when the order
    named another; None when none does. Shown on the start page, kept with the fill's
    cautions, read at sign-off and the final check."""
    patient = order.document.get("patient", {})
    # An intolerance is often written as a condition ("lactose intolerance"), not an allergy.
    listed = [*patient.get("allergies", []), *patient.get("conditions", [])]
    # What the patient takes in: the filler or vehicle, and a capsule's shell (gelatin).
    parts = [i.name for i in (mfr.base_ingredient, mfr.shell_ingredient) if i is not None]
    found = next(((a, p) for a in listed for p in parts if allergy_to(a, p)), None)
    if found is None:
        return None
    return (
        f'ALLERGY: the patient lists "{found[0]}", and {mfr.name} uses {found[1]}. Use a '
        "formula without it, or confirm with the prescriber and the patient before it is made."
    )


def substitution_note(mfr: MasterFormulation, order: Order) -> str | None:
    """What the start page and the worksheet say of a vehicle or filler other than the
    prescription's; None when there is none."""
    found = base_difference(mfr, order)
    if found is None:
        return None
    said = f"The prescription's {found.kind} is {', '.join(found.prescribed)}; {mfr.name} uses "
    said += f"{found.used} (no {', '.join(found.missing)})." if found.missing else f"{found.used}."
    return (
        f"{said} A pharmacist decides on the substitution, with the prescriber, before the fill "
        "is weighed; or use a formula with the prescribed one."
    )


def _strength(mfr: MasterFormulation, capsule: bool, problems: dict[str, list[str]]) -> None:
    if capsule and mfr.strength_per is not None:
        problems["strength_per"].append("A capsule's strength is mg per capsule.")
    elif not capsule and mfr.strength_per not in ("mL", "g"):
        problems["strength_per"].append("A liquid or cream's strength is mg per mL or per g.")
    elif mfr.strength_per == "g" and mfr.dosage_form != DosageForm.TOPICAL_CREAM.value:
        problems["strength_per"].append(
            "Only a cream is made by weight (mg/g); liquids and drops are mg/mL."
        )
    elif mfr.strength_per == "g" and mfr.active_ingredient.kind == IngredientKind.TABLET:
        problems["active_ingredient"].append("A cream made by weight needs naltrexone powder.")


def _ingredients(mfr: MasterFormulation, capsule: bool, problems: dict[str, list[str]]) -> None:
    base, shell, container = mfr.base_ingredient, mfr.shell_ingredient, mfr.container_ingredient
    _unit(mfr.active_ingredient, "active_ingredient", problems)
    if capsule:
        if base.kind != IngredientKind.FILLER or base.density_g_per_ml is None:
            problems["base_ingredient"].append("A capsule needs a filler with its fill density.")
        _unit(base, "base_ingredient", problems)
        if not mfr.capsule_size:
            problems["capsule_size"].append("Choose the capsule size.")
        elif shell is not None and shell.capsule_size != mfr.capsule_size:
            problems["capsule_size"].append(
                f"The shells, {shell.name}, are size {shell.capsule_size or 'unknown'}, not "
                f"size {mfr.capsule_size}: the worksheet's fill is worked out for the size "
                "the capsules really are. Choose matching shells or size."
            )
    else:
        if base.kind != IngredientKind.VEHICLE:
            problems["base_ingredient"].append("A liquid or cream needs a vehicle or base.")
        wanted = mfr.strength_per or "mL"
        if base.stock_unit != wanted:
            problems["base_ingredient"].append(
                f"{base.name} is counted in {base.stock_unit}; a preparation made "
                f"{'by weight' if wanted == 'g' else 'to volume'} needs its base in {wanted}."
            )
        if shell is not None:
            problems["shell_ingredient"].append("Only capsules have shells.")
        if container is not None and not container.capacity_ml:
            problems["container_ingredient"].append(
                f"{container.name} has no capacity in the catalogue: the worksheet needs it to "
                "count the containers."
            )
    if shell is not None:
        _unit(shell, "shell_ingredient", problems)
    if container is not None:
        _unit(container, "container_ingredient", problems)


def _unit(ingredient: Ingredient, field: str, problems: dict[str, list[str]]) -> None:
    wanted = STOCK_UNITS.get(ingredient.kind)
    if wanted and ingredient.stock_unit != wanted:
        problems[field].append(
            f"{ingredient.name} is counted in {ingredient.stock_unit}; a "
            f"{ingredient.kind.label} must be counted in {wanted}."
        )


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


def strength_text(strength_mg: Decimal, per: str | None) -> str:
    """ "4.5 mg", "1 mg/mL", "0.5 mg/g": the parsed strength with its unit."""
    return f"{plain(strength_mg)} mg" + (f"/{per}" if per else "")


def mismatch(mfr: MasterFormulation, order: Order) -> str:
    """Why the formula cannot make the order at all ("" when it can). A vehicle or filler
    other than the prescribed is not refused here: it is a substitution, for a pharmacist to
    decide (`substitutions.py`)."""
    # Both strengths are parsed amounts in mg per unit, per mL or per g: a per-mL formula
    # never makes a per-g cream, however alike the numbers.
    if mfr.strength_mg != order.strength_mg or mfr.strength_per != order.strength_per:
        return (
            f"strength {strength_text(mfr.strength_mg, mfr.strength_per)}, not "
            f"{strength_text(order.strength_mg, order.strength_per)}"
        )
    return ""
