"""Compounding pages: stock and lots, master formulations, and compounding records."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ..accounts.auth import acting_user, require
from ..accounts.models import Permission
from ..extensions import db
from ..idempotency.forms import claim
from ..orders.services import get_order_or_404
from ..pdf import render_pdf
from ..timeutil import pharmacy_today
from ..workflow import WorkflowError
from .bud import BudRule
from .forms import (
    AcceptSupplyForm,
    DecisionForm,
    DiscardForm,
    FormulationForm,
    IngredientForm,
    ReceiveLotForm,
    SignOffForm,
    StartRecordForm,
)
from .formulas import (
    FormulaConflict,
    add_formulation,
    formula_field_problems,
    save_conflict,
    vehicle_note,
)
from .models import (
    CompoundingRecord,
    Ingredient,
    IngredientKind,
    Lot,
    MasterFormulation,
    RecordComponent,
)
from .services import (
    accept_deviation,
    accept_supply,
    discard,
    matching_formulations,
    record_weights,
    sign_off,
    start_record,
)
from .stock import (
    ALREADY_RECEIVED,
    LotError,
    count_lot,
    describe,
    lot_received,
    quarantine_lot,
    receive_lot,
    release_lot,
)
from .worksheet_print import worksheet_print
from .worksheets import lots_first_expiry_first, needs, passed_over

bp = Blueprint("compounding", __name__, url_prefix="/compounding")


@bp.route("/lots", methods=["GET", "POST"])
def lots() -> str | Response:
    form = ReceiveLotForm()
    ingredients = db.session.scalars(
        select(Ingredient).order_by(Ingredient.kind, Ingredient.name)
    ).all()
    form.ingredient.choices = [
        SelectChoice(i.id, f"{i.name} ({i.stock_unit})") for i in ingredients
    ]
    if request.method == "POST" and not acting_user().can(Permission.ENTER):
        abort(403, description="Your role does not allow this.")  # anyone may look; staff receive
    if form.validate_on_submit():
        acting = acting_user()
        ingredient = db.session.get(Ingredient, form.ingredient.data)
        quantity, unit_cost = form.quantity.data, form.unit_cost.data
        if ingredient is None:
            form.ingredient.errors.append("Choose an ingredient.")
        elif quantity is not None and unit_cost is not None:
            try:
                submission = claim(form.once_token.data, "lot")
                lot = receive_lot(
                    ingredient,
                    form.supplier.data or "",
                    form.lot_number.data or "",
                    form.expiry_date.data,
                    quantity,
                    unit_cost,
                    acting,
                    pharmacy_today(),
                )
                submission.saved(url_for("compounding.lots"))
                db.session.commit()
                flash(f"Lot {lot.lot_number} of {ingredient.name} received.")
                return redirect(url_for("compounding.lots"))
            except LotError as exc:
                db.session.rollback()
                getattr(form, exc.field).errors.append(str(exc))
            except IntegrityError:
                # The same lot received from another page at the same moment: (ingredient,
                # lot number) is unique, and PostgreSQL made this save wait for that one.
                db.session.rollback()
                if not lot_received(ingredient, form.lot_number.data or ""):
                    raise
                form.lot_number.errors.append(ALREADY_RECEIVED)
    return render_template(
        "compounding/lots.html",
        form=form,
        ingredients=ingredients,
        today=pharmacy_today(),
        describe=describe,
    )


@bp.post("/lots/<int:lot_id>/adjust")
@require(Permission.VERIFY)
def adjust_lot(lot_id: int) -> Response:
    """A pharmacist's correction of a lot: a count, a quarantine or a release, with a reason."""
    lot = db.get_or_404(Lot, lot_id)
    action = request.form.get("action", "")
    reason = (request.form.get("reason") or "").strip()
    try:
        if action == "count":
            counted = _amount_in(
                (request.form.get("counted") or "").strip(), lot.ingredient.stock_unit
            )
            if counted is None:
                raise WorkflowError("Enter the quantity counted, as a number.")
            count_lot(lot, counted, reason, acting_user())
        elif action == "quarantine":
            quarantine_lot(lot, reason, acting_user())
        elif action == "release":
            release_lot(lot, reason, acting_user())
        else:
            raise WorkflowError("Choose count, quarantine or release.")
        db.session.commit()
        flash(f"Lot {lot.lot_number}: {describe(lot.adjustments[-1])}.")
    except WorkflowError as exc:
        db.session.rollback()
        flash(f"Lot {lot.lot_number} not changed: {exc}", "error")
    return redirect(url_for("compounding.lots"))


@bp.route("/ingredients", methods=["GET", "POST"])
@require(Permission.VERIFY)
def ingredients() -> str | Response:
    """A pharmacist adds an ingredient to the catalogue, with the figures the arithmetic needs."""
    form = IngredientForm()
    if form.validate_on_submit():
        name = (form.name.data or "").strip()
        try:
            submission = claim(form.once_token.data, "ingredient")
            if not _ingredient_named(name):
                db.session.add(_new_ingredient(name, form))
                submission.saved(url_for("compounding.lots"))
                db.session.commit()
                flash(f"{name} added to the catalogue.")
                return redirect(url_for("compounding.lots"))
        except IntegrityError:
            # Added by another save a moment ago (names are unique): PostgreSQL made this one
            # wait for it to commit, so it is found now.
            db.session.rollback()
            if not _ingredient_named(name):
                raise
        db.session.rollback()
        form.name.errors = [*form.name.errors, IN_THE_CATALOGUE]
    return render_template("compounding/ingredient_form.html", form=form)


IN_THE_CATALOGUE = "This ingredient is already in the catalogue."


def _new_ingredient(name: str, form: IngredientForm) -> Ingredient:
    return Ingredient(
        name=name,
        kind=form.kind.data,
        stock_unit=form.stock_unit.data,
        salt_form=form.salt_form.data or None,
        assay_percent=form.assay_percent.data,
        tablet_strength_mg=form.tablet_strength_mg.data,
        tablet_weight_mg=form.tablet_weight_mg.data,
        density_g_per_ml=form.density_g_per_ml.data,
        capsule_size=form.capsule_size.data or None,
        capacity_ml=form.capacity_ml.data,
    )


def _ingredient_named(name: str) -> bool:
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(Ingredient)
            .where(func.lower(Ingredient.name) == func.lower(name))
        )
    )


@bp.get("/formulas")
def formulas() -> str:
    rows = db.session.scalars(
        select(MasterFormulation).order_by(
            MasterFormulation.is_current.desc(),
            MasterFormulation.name,
            MasterFormulation.version.desc(),
        )
    ).all()
    return render_template("compounding/formulas.html", formulas=rows)


@bp.get("/formulas/<int:mfr_id>")
def formula(mfr_id: int) -> str:
    mfr = db.get_or_404(MasterFormulation, mfr_id)
    versions = db.session.scalars(
        select(MasterFormulation)
        .where(MasterFormulation.family == mfr.family)
        .order_by(MasterFormulation.version.desc())
    ).all()
    try:
        sheet, _ = needs(mfr, _example_quantity(mfr))
    except ValueError:
        sheet = None  # a formula saved before its checks: the page says what is wrong
    return render_template(
        "compounding/formula.html",
        mfr=mfr,
        versions=versions,
        sheet=sheet,
        rule=BudRule(mfr.bud_rule),
        problems=formula_field_problems(mfr),
    )


def _example_quantity(mfr: MasterFormulation) -> Decimal:
    return Decimal(30) if mfr.strength_per is None else Decimal(100)


@bp.route("/formulas/new", methods=["GET", "POST"])
@bp.route("/formulas/<int:mfr_id>/new-version", methods=["GET", "POST"])
@require(Permission.VERIFY)
def edit_formula(mfr_id: int | None = None) -> str | Response:
    previous = db.get_or_404(MasterFormulation, mfr_id) if mfr_id else None
    form = FormulationForm(obj=_form_values(previous) if previous and not request.form else None)
    _ingredient_choices(form)
    if form.validate_on_submit():
        mfr = MasterFormulation(created_by_id=acting_user().id)
        _fill(mfr, form)
        problems = formula_field_problems(mfr)
        if mfr.dosage_form != "capsule" and not form.aqueous.data:
            # The BUD rules that fit depend on the answer: ask for it before judging the rule.
            problems.pop("bud_rule", None)
            problems["aqueous"] = ["Say whether the vehicle contains water (aqueous) or not."]
        if not problems:
            try:
                needs(mfr, _example_quantity(mfr))
            except ValueError as exc:
                problems = {"capsule_size": [str(exc)]}
        for name, messages in problems.items():
            getattr(form, name).errors.extend(messages)
        if not problems:
            try:
                submission = claim(form.once_token.data, "formula")
                add_formulation(mfr, previous)
                submission.saved(url_for("compounding.formula", mfr_id=mfr.id))
                db.session.commit()
            except FormulaConflict as conflict:
                db.session.rollback()
                getattr(form, conflict.field).errors.append(str(conflict))
            except IntegrityError:
                db.session.rollback()
                lost = save_conflict(mfr.name, previous)
                getattr(form, lost.field).errors.append(str(lost))
            else:
                flash(f"{mfr.name}, version {mfr.version}, saved.")
                return redirect(url_for("compounding.formula", mfr_id=mfr.id))
    return render_template("compounding/formula_form.html", form=form, previous=previous)


@bp.route("/orders/<int:order_id>/start", methods=["GET", "POST"])
@require(Permission.ENTER)
def start(order_id: int) -> str | Response:
    order = get_order_or_404(order_id)
    matches, reasons = matching_formulations(order)
    form = StartRecordForm()
    form.mfr.choices = [SelectChoice(m.id, f"{m.name} (v{m.version})") for m in matches]
    chosen = (
        db.session.get(MasterFormulation, form.mfr.data)
        if form.mfr.data
        else (matches[0] if matches else None)
    )
    options: list[tuple[Any, list[Lot], list[str]]] = []
    notes: list[str] = []
    if chosen is not None:
        today = pharmacy_today()
        try:
            _, wanted = needs(chosen, order.quantity)
        except ValueError as exc:
            wanted, notes = [], [str(exc)]
        for need in wanted:
            if not need.from_stock:
                continue  # weighed from another component's lot
            usable = lots_first_expiry_first(need, today)
            options.append((need, usable, passed_over(need, usable[0], today) if usable else []))
        notes += [n for n in [vehicle_note(chosen, order)] if n]
        notes += [m for messages in formula_field_problems(chosen).values() for m in messages]
    if form.validate_on_submit() and chosen is not None:
        lot_ids = {
            need.role: request.form.get(f"lot-{need.role}", type=int) for need, _, _ in options
        }
        try:
            submission = claim(form.once_token.data, "compounding record")
            record = start_record(
                order, chosen, {k: v for k, v in lot_ids.items() if v}, acting_user()
            )
            submission.saved(url_for("compounding.record", record_id=record.id))
            db.session.commit()
        except WorkflowError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            return redirect(url_for("compounding.record", record_id=record.id))
    return render_template(
        "compounding/start.html",
        order=order,
        form=form,
        reasons=reasons,
        chosen=chosen,
        options=options,
        matches=matches,
        notes=notes,
    )


@bp.get("/records/<int:record_id>")
def record(record_id: int, typed: dict[int, str] | None = None) -> str:
    found = db.get_or_404(CompoundingRecord, record_id)
    return render_template(
        "compounding/record.html",
        record=found,
        typed=typed or {},
        decision=DecisionForm(),
        supply_form=AcceptSupplyForm(),
        sign_off_form=SignOffForm(),
        discard_form=DiscardForm(),
    )


@bp.post("/records/<int:record_id>/weights")
@require(Permission.ENTER)
def weights(record_id: int) -> str | Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    typed = {c.id: (request.form.get(f"actual-{c.id}") or "").strip() for c in found.components}
    correction = (request.form.get("correction") or "").strip()[:300]
    actuals: dict[int, Decimal] = {}
    for component in found.components:
        amount = _amount_in(typed[component.id], component.unit)
        if amount is None:
            flash(
                f'"{typed[component.id]}" is not an amount of the {component.role} in '
                f"{component.unit}: enter the number the balance or the count shows.",
                "error",
            )
            return record(record_id, typed)
        actuals[component.id] = amount
    try:
        record_weights(found, actuals, acting_user(), correction)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return record(record_id, typed)
    flash(
        "Weights corrected; stock takes the difference."
        if correction
        else "Weights recorded and taken from stock."
    )
    return redirect(url_for("compounding.record", record_id=record_id))


# The units a reading may be typed with, for each unit a component is measured in.
_UNIT_WORDS = {
    "mg": ("mg",),
    "g": ("g", "gm", "grams"),
    "mL": ("ml", "mls"),
    "each": ("each", "ea", "capsules", "caps", "tablets", "tabs", "bottles", "vials"),
    "tablets": ("tablets", "tablet", "tabs", "tab"),
}


def _amount_in(text: str, unit: str) -> Decimal | None:
    """A reading typed as "144", "144 mg" or "0.144 g" in the component's own unit; None if
    it is not a plain finite number in that unit (a "5 mL" for a powder weighed in mg)."""
    found = re.fullmatch(r"([0-9]{1,9}(?:\.[0-9]{1,6})?)\s*([A-Za-z]*)", text)
    if found is None:
        return None
    written = found[2].lower()
    if written and written not in _UNIT_WORDS.get(unit, (unit.lower(),)):
        return None
    try:
        return Decimal(found[1])
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


@bp.post("/records/<int:record_id>/components/<int:component_id>/decision")
@require(Permission.VERIFY)
def decide(record_id: int, component_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    component = db.get_or_404(RecordComponent, component_id)
    form = DecisionForm()
    if component.record_id != found.id or not form.validate_on_submit():
        flash("Give the reason for accepting the deviation (at least 5 characters).", "error")
        return redirect(url_for("compounding.record", record_id=record_id))
    return _act(
        found,
        lambda: accept_deviation(found, component, form.reason.data or "", acting_user()),
        "Deviation accepted.",
    )


@bp.post("/records/<int:record_id>/supply")
@require(Permission.VERIFY)
def supply(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    return _with_reason(
        found,
        AcceptSupplyForm(),
        "accepting the supply",
        lambda reason: accept_supply(found, reason, acting_user()),
        "Supply longer than the beyond-use date accepted.",
    )


@bp.post("/records/<int:record_id>/sign-off")
@require(Permission.VERIFY)
def sign(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    return _act(
        found,
        lambda: sign_off(found, acting_user()),
        f"{found.batch_number} signed off: ready for its label.",
    )


@bp.post("/records/<int:record_id>/discard")
@require(Permission.VERIFY)
def throw_away(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    return _with_reason(
        found,
        DiscardForm(),
        "discarding",
        lambda reason: discard(found, reason, acting_user()),
        f"{found.batch_number} discarded.",
    )


@bp.get("/records/<int:record_id>/worksheet.pdf")
def worksheet_pdf(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    pdf = render_pdf("compounding/worksheet_pdf.html", record=worksheet_print(found))
    return send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        download_name=(f"worksheet-{found.batch_number}.pdf"),
    )


def _with_reason(
    found: CompoundingRecord, form: Any, doing: str, action: Any, done: str
) -> Response:
    """A pharmacist's action that needs a reason: refused at once without one."""
    if not form.validate_on_submit():
        flash(f"Give the reason for {doing} (at least 5 characters).", "error")
        return redirect(url_for("compounding.record", record_id=found.id))
    return _act(found, lambda: action(form.reason.data or ""), done)


def _act(found: CompoundingRecord, action: Any, done: str) -> Response:
    try:
        action()
        db.session.commit()
        flash(done)
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("compounding.record", record_id=found.id))


def _ingredient_choices(form: FormulationForm) -> None:
    ingredients = db.session.scalars(select(Ingredient).order_by(Ingredient.name)).all()

    def of(*kinds: IngredientKind) -> list[SelectChoice]:
        return [
            SelectChoice(i.id, i.name) for i in ingredients if i.kind in {k.value for k in kinds}
        ]

    form.active_ingredient.choices = of(IngredientKind.ACTIVE_POWDER, IngredientKind.TABLET)
    form.base_ingredient.choices = of(IngredientKind.FILLER, IngredientKind.VEHICLE)
    form.shell_ingredient.choices = [SelectChoice(0, "none"), *of(IngredientKind.CAPSULE_SHELL)]
    form.container_ingredient.choices = [SelectChoice(0, "none"), *of(IngredientKind.CONTAINER)]


def _form_values(mfr: MasterFormulation) -> Any:
    class Values:
        pass

    values = Values()
    for name in (
        "name",
        "dosage_form",
        "strength_mg",
        "strength_per",
        "capsule_size",
        "overage_percent",
        "bud_rule",
        "storage",
        "container",
        "method",
        "equipment",
        "quality_checks",
        "labour_minutes",
    ):
        setattr(values, name, getattr(mfr, name))
    values.aqueous = "aqueous" if mfr.aqueous else "nonaqueous"  # type: ignore[attr-defined]
    values.active_ingredient = mfr.active_ingredient_id  # type: ignore[attr-defined]
    values.base_ingredient = mfr.base_ingredient_id  # type: ignore[attr-defined]
    values.shell_ingredient = mfr.shell_ingredient_id or 0  # type: ignore[attr-defined]
    values.container_ingredient = mfr.container_ingredient_id or 0  # type: ignore[attr-defined]
    return values


def _fill(mfr: MasterFormulation, form: FormulationForm) -> None:
    mfr.name = (form.name.data or "").strip()
    mfr.release = "immediate release"  # the only release a formula may have

    mfr.dosage_form = form.dosage_form.data or "capsule"
    mfr.strength_mg = form.strength_mg.data or Decimal(0)
    # Blank means the form's own unit: per capsule, or per mL for liquids and creams.
    per = form.strength_per.data or None
    mfr.strength_per = per if per or mfr.dosage_form == "capsule" else "mL"
    mfr.aqueous = form.aqueous.data == "aqueous"
    mfr.active_ingredient = db.session.get(Ingredient, form.active_ingredient.data)  # type: ignore[assignment]
    mfr.base_ingredient = db.session.get(Ingredient, form.base_ingredient.data)  # type: ignore[assignment]
    mfr.shell_ingredient = _ingredient(form.shell_ingredient.data)
    mfr.container_ingredient = _ingredient(form.container_ingredient.data)
    mfr.capsule_size = (form.capsule_size.data or None) if mfr.dosage_form == "capsule" else None
    mfr.overage_percent = form.overage_percent.data or Decimal(0)
    mfr.bud_rule = form.bud_rule.data or BudRule.SOLID.value
    mfr.storage = form.storage.data or ""
    mfr.container = form.container.data or ""
    mfr.method = form.method.data or ""
    mfr.equipment = form.equipment.data or ""
    mfr.quality_checks = form.quality_checks.data or ""
    mfr.labour_minutes = form.labour_minutes.data or 0


def _ingredient(ingredient_id: int | None) -> Ingredient | None:
    return db.session.get(Ingredient, ingredient_id) if ingredient_id else None
