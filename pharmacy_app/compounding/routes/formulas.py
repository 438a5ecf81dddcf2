"""Master formulation pages: the list, one formula with its versions and example worksheet,
and a new formula or a formula's next version."""

from __future__ import annotations

from flask import render_template, request, url_for
from werkzeug.wrappers import Response

from ...accounts.auth import acting_user, require
from ...accounts.models import Permission
from ...extensions import db
from ...idempotency.forms import claim
from ...views import at_field, commit_or_refuse, go
from ..bud import BudRule
from ..forms import FormulationForm
from ..formulas import (
    add_formulation,
    example_sheet,
    formula_field_problems,
    formulas_listed,
    save_conflict,
    save_problems,
    versions_of,
)
from ..models import MasterFormulation
from . import bp


@bp.get("/formulas")
def formulas() -> str:
    return render_template("compounding/formulas.html", formulas=formulas_listed())


@bp.get("/formulas/<int:mfr_id>")
def formula(mfr_id: int) -> str:
    mfr = db.get_or_404(MasterFormulation, mfr_id)
    return render_template(
        "compounding/formula.html",
        mfr=mfr,
        versions=versions_of(mfr),
        sheet=example_sheet(mfr),
        rule=BudRule(mfr.bud_rule),
        problems=formula_field_problems(mfr),
    )


@bp.route("/formulas/new", methods=["GET", "POST"])
@bp.route("/formulas/<int:mfr_id>/new-version", methods=["GET", "POST"])
@require(Permission.VERIFY)
def edit_formula(mfr_id: int | None = None) -> str | Response:
    previous = db.get_or_404(MasterFormulation, mfr_id) if mfr_id else None
    form = FormulationForm()
    if previous is not None and not request.form:
        form.fill_from(previous)
    form.offer_ingredients()

    def page() -> str:
        return render_template("compounding/formula_form.html", form=form, previous=previous)

    if not form.validate_on_submit():
        return page()
    mfr = MasterFormulation(created_by_id=acting_user().id)
    form.populate_formula(mfr)
    problems = save_problems(mfr, vehicle_stated=bool(form.aqueous.data))
    for name, messages in problems.items():
        form[name].errors.extend(messages)
    if problems:
        return page()
    name = mfr.name  # for a race lost, when the rollback has let go of `mfr`

    def save() -> MasterFormulation:
        submission = claim(form.once_token.data, "formula")
        add_formulation(mfr, previous)
        submission.saved(url_for("compounding.formula", mfr_id=mfr.id))
        return mfr

    return commit_or_refuse(
        save,
        lambda saved: go(
            url_for("compounding.formula", mfr_id=saved.id),
            f"{saved.name}, version {saved.version}, saved.",
        ),
        at_field(form, page),
        raced=lambda: save_conflict(name, previous),
    )
