"""Stock pages: receiving lots, a pharmacist's corrections of them, and the ingredient
catalogue."""

from __future__ import annotations

from flask import render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ...accounts.auth import acting_user, require
from ...accounts.models import Permission
from ...extensions import db
from ...idempotency.forms import claim
from ...timeutil import pharmacy_today
from ...views import at_field, commit_or_refuse, go, go_back
from ...workflow import WorkflowError
from ..catalogue import add_ingredient, catalogue, name_taken
from ..forms import IngredientForm, ReceiveLotForm
from ..models import Ingredient, Lot
from ..stock import ALREADY_RECEIVED, LotError, correct_lot, describe, lot_received, receive_lot
from . import bp


@bp.route("/lots", methods=["GET", "POST"])
@require(Permission.ENTER, on=("POST",))  # anyone may look; staff receive
def lots() -> str | Response:
    form = ReceiveLotForm()
    ingredients = catalogue()
    form.ingredient.choices = [
        SelectChoice(i.id, f"{i.name} ({i.stock_unit})") for i in ingredients
    ]

    def page() -> str:
        return render_template(
            "compounding/lots.html",
            form=form,
            ingredients=ingredients,
            today=pharmacy_today(),
            describe=describe,
        )

    if not form.validate_on_submit():
        return page()
    ingredient = db.session.get(Ingredient, form.ingredient.data)
    quantity, unit_cost = form.quantity.data, form.unit_cost.data
    if ingredient is None:
        form.ingredient.errors.append("Choose an ingredient.")
        return page()
    if quantity is None or unit_cost is None:
        return page()  # pragma: no cover - both are required to validate
    lot_number = form.lot_number.data or ""

    def receive() -> Lot:
        submission = claim(form.once_token.data, "lot")
        lot = receive_lot(
            ingredient,
            form.supplier.data or "",
            lot_number,
            form.expiry_date.data,
            quantity,
            unit_cost,
            acting_user(),
            pharmacy_today(),
        )
        submission.saved(url_for("compounding.lots"))
        return lot

    def raced() -> WorkflowError | None:
        # The same lot received from another page at the same moment: (ingredient, lot
        # number) is unique, and PostgreSQL made this save wait for that one.
        received = lot_received(ingredient, lot_number)
        return LotError("lot_number", ALREADY_RECEIVED) if received else None

    return commit_or_refuse(
        receive,
        lambda lot: go(
            url_for("compounding.lots"), f"Lot {lot.lot_number} of {ingredient.name} received."
        ),
        at_field(form, page),
        raced=raced,
    )


@bp.post("/lots/<int:lot_id>/adjust")
@require(Permission.VERIFY)
def adjust_lot(lot_id: int) -> Response:
    """A pharmacist's correction of a lot: a count, a quarantine or a release, with a reason."""
    lot = db.get_or_404(Lot, lot_id)
    done = url_for("compounding.lots")
    return commit_or_refuse(
        lambda: correct_lot(
            lot,
            request.form.get("action", ""),
            (request.form.get("reason") or "").strip(),
            request.form.get("counted") or "",
            acting_user(),
        ),
        lambda adjustment: go(done, f"Lot {lot.lot_number}: {describe(adjustment)}."),
        go_back(done, prefix=f"Lot {lot.lot_number} not changed: "),
    )


@bp.route("/ingredients", methods=["GET", "POST"])
@require(Permission.VERIFY)
def ingredients() -> str | Response:
    """A pharmacist adds an ingredient to the catalogue, with the figures the arithmetic needs."""
    form = IngredientForm()

    def page() -> str:
        return render_template("compounding/ingredient_form.html", form=form)

    if not form.validate_on_submit():
        return page()
    ingredient = form.new_ingredient()
    name = ingredient.name  # for a race lost, when the rollback has let go of `ingredient`

    def add() -> Ingredient:
        submission = claim(form.once_token.data, "ingredient")
        add_ingredient(ingredient)
        submission.saved(url_for("compounding.lots"))
        return ingredient

    return commit_or_refuse(
        add,
        lambda _: go(url_for("compounding.lots"), f"{name} added to the catalogue."),
        at_field(form, page),
        raced=lambda: name_taken(name),
    )
