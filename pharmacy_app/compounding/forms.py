"""Forms for receiving lots, master formulations and compounding records."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..checks import DosageForm
from ..extensions import db
from ..formfields import FiniteDecimalField, visible, visible_lines
from ..idempotency.forms import OnceTokenField
from .arithmetic import CAPSULE_VOLUME_ML
from .bud import BudRule
from .catalogue import ingredients_of
from .models import Ingredient, IngredientKind, MasterFormulation


class ReceiveLotForm(FlaskForm):
    once_token = OnceTokenField()
    ingredient = SelectField("Ingredient", coerce=int)
    supplier = StringField("Supplier", validators=[DataRequired(), Length(max=200)])
    lot_number = StringField("Lot number", validators=[DataRequired(), Length(max=100)])
    expiry_date = DateField("Expiry date", validators=[InputRequired()])
    quantity = FiniteDecimalField(
        "Quantity received",
        places=4,
        validators=[InputRequired(), NumberRange(min=0.0001, max=10**8)],
        description="In the ingredient's stock unit (g, mL or each)",
    )
    unit_cost = FiniteDecimalField(
        "Unit cost",
        places=4,
        validators=[InputRequired(), NumberRange(min=0, max=10**6)],
        description="Per stock unit",
    )
    submit = SubmitField("Receive lot")


class FormulationForm(FlaskForm):
    once_token = OnceTokenField()
    name = StringField("Name", validators=[DataRequired(), Length(max=200), visible])
    dosage_form = SelectField(
        "Dosage form", choices=[SelectChoice(f.value, f.label) for f in DosageForm]
    )
    strength_mg = FiniteDecimalField(
        "Strength (mg)",
        places=4,
        validators=[InputRequired(), NumberRange(min=0.001, max=100)],
    )
    strength_per = SelectField(
        "Strength per",
        choices=[
            SelectChoice("", "capsule (liquids: mL)"),
            SelectChoice("mL", "mL"),
            SelectChoice("g", "g (a cream made by weight)"),
        ],
        default="",
    )
    active_ingredient = SelectField("Naltrexone source", coerce=int)
    base_ingredient = SelectField("Filler or vehicle", coerce=int)
    shell_ingredient = SelectField("Capsule shell", coerce=int, validators=[Optional()])
    container_ingredient = SelectField("Container", coerce=int, validators=[Optional()])
    capsule_size = SelectField(
        "Capsule size",
        choices=[SelectChoice("", "not a capsule")]
        + [SelectChoice(size, size) for size in CAPSULE_VOLUME_ML],
        default="1",
    )
    overage_percent = FiniteDecimalField(
        "Overage %", places=2, default=0, validators=[InputRequired(), NumberRange(min=0, max=50)]
    )
    aqueous = SelectField(
        "Vehicle",
        choices=[
            SelectChoice("", "choose (capsules: non-aqueous)"),
            SelectChoice("aqueous", "aqueous: contains water (water activity 0.6 or more)"),
            SelectChoice("nonaqueous", "non-aqueous (water activity under 0.6)"),
        ],
        default="",
        description="USP <795>: decides which beyond-use date rules fit",
    )
    bud_rule = SelectField(
        "Beyond-use date rule", choices=[SelectChoice(r.value, r.label) for r in BudRule]
    )
    storage = StringField("Storage", validators=[Length(max=200), visible])
    # Every new version says what the patient will see (Oregon prints it: OAR 855-041-1130).
    physical_description = StringField(
        "Physical description",
        validators=[
            DataRequired(
                message="Describe what the patient sees, e.g. white opaque size 1 capsule."
            ),
            Length(max=200),
            visible,
        ],
        description="What the patient sees: white opaque size 1 capsule; clear colourless liquid",
    )
    container = StringField("Container and closure", validators=[Length(max=200), visible])
    method = TextAreaField("Method (steps)", validators=[DataRequired(), visible_lines])
    equipment = TextAreaField("Equipment", validators=[visible_lines])
    quality_checks = TextAreaField("Quality checks", validators=[visible_lines])
    labour_minutes = IntegerField(
        "Labour minutes", default=15, validators=[InputRequired(), NumberRange(min=0, max=600)]
    )
    submit = SubmitField("Save")

    # The fields a formula's next version starts from as they are stored.
    COPIED = (
        "name",
        "dosage_form",
        "strength_mg",
        "strength_per",
        "capsule_size",
        "overage_percent",
        "bud_rule",
        "storage",
        "physical_description",
        "container",
        "method",
        "equipment",
        "quality_checks",
        "labour_minutes",
    )

    def offer_ingredients(self) -> None:
        """Each ingredient field offers the catalogue's ingredients of the kinds it takes."""

        def of(*kinds: IngredientKind) -> list[SelectChoice]:
            return [SelectChoice(i.id, i.name) for i in ingredients_of(*kinds)]

        self.active_ingredient.choices = of(IngredientKind.ACTIVE_POWDER, IngredientKind.TABLET)
        self.base_ingredient.choices = of(IngredientKind.FILLER, IngredientKind.VEHICLE)
        self.shell_ingredient.choices = [SelectChoice(0, "none"), *of(IngredientKind.CAPSULE_SHELL)]
        self.container_ingredient.choices = [
            SelectChoice(0, "none"),
            *of(IngredientKind.CONTAINER),
        ]

    def fill_from(self, mfr: MasterFormulation) -> None:
        """Show a stored formula in the form, for its next version."""
        values = {name: getattr(mfr, name) for name in self.COPIED} | {
            "aqueous": "aqueous" if mfr.aqueous else "nonaqueous",
            "active_ingredient": mfr.active_ingredient_id,
            "base_ingredient": mfr.base_ingredient_id,
            "shell_ingredient": mfr.shell_ingredient_id or 0,
            "container_ingredient": mfr.container_ingredient_id or 0,
        }
        for name, value in values.items():
            self[name].process_data(value)

    def populate_formula(self, mfr: MasterFormulation) -> None:
        """Put what the form says into a new formula (or version), not yet saved."""
        mfr.name = (self.name.data or "").strip()
        mfr.release = "immediate release"  # the only release a formula may have

        mfr.dosage_form = self.dosage_form.data or "capsule"
        mfr.strength_mg = self.strength_mg.data or Decimal(0)
        # Blank means the form's own unit: per capsule, or per mL for liquids and creams.
        per = self.strength_per.data or None
        mfr.strength_per = per if per or mfr.dosage_form == "capsule" else "mL"
        mfr.aqueous = self.aqueous.data == "aqueous"
        mfr.active_ingredient = db.session.get(Ingredient, self.active_ingredient.data)  # type: ignore[assignment]
        mfr.base_ingredient = db.session.get(Ingredient, self.base_ingredient.data)  # type: ignore[assignment]
        mfr.shell_ingredient = _ingredient(self.shell_ingredient.data)
        mfr.container_ingredient = _ingredient(self.container_ingredient.data)
        capsule = mfr.dosage_form == "capsule"
        mfr.capsule_size = (self.capsule_size.data or None) if capsule else None
        mfr.overage_percent = self.overage_percent.data or Decimal(0)
        mfr.bud_rule = self.bud_rule.data or BudRule.SOLID.value
        mfr.storage = self.storage.data or ""
        mfr.physical_description = " ".join((self.physical_description.data or "").split())
        mfr.container = self.container.data or ""
        mfr.method = self.method.data or ""
        mfr.equipment = self.equipment.data or ""
        mfr.quality_checks = self.quality_checks.data or ""
        mfr.labour_minutes = self.labour_minutes.data or 0


def _ingredient(ingredient_id: int | None) -> Ingredient | None:
    return db.session.get(Ingredient, ingredient_id) if ingredient_id else None


class StartRecordForm(FlaskForm):
    once_token = OnceTokenField()
    mfr = SelectField("Master formulation", coerce=int)
    early_reason = StringField(
        "Refill too soon: the pharmacist's reason for making it now",
        validators=[Length(max=300)],
    )
    submit = SubmitField("Make worksheet")


class DecisionForm(FlaskForm):
    reason = StringField("Reason for accepting", validators=[DataRequired(), Length(min=5)])
    submit = SubmitField("Accept deviation")


class AcceptSupplyForm(FlaskForm):
    reason = StringField(
        "Reason for accepting a supply longer than the BUD",
        validators=[DataRequired(), Length(min=5)],
    )
    submit = SubmitField("Accept supply")


class SubstitutionForm(FlaskForm):
    """A pharmacist's approval of a vehicle or filler other than the prescription's."""

    reason = StringField(
        "Reason for the substitution", validators=[DataRequired(), Length(min=5, max=500)]
    )
    prescriber = StringField(
        "Prescriber consulted", validators=[DataRequired(), Length(min=2, max=200)]
    )
    consulted_on = DateField("Date consulted", validators=[InputRequired()])
    submit = SubmitField("Approve substitution")


class SignOffForm(FlaskForm):
    submit = SubmitField("Sign off")


class DiscardForm(FlaskForm):
    reason = StringField("Reason for discarding", validators=[DataRequired(), Length(min=5)])
    submit = SubmitField("Discard fill")


class IngredientForm(FlaskForm):
    once_token = OnceTokenField()
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=[SelectChoice(k.value, k.label) for k in IngredientKind])
    stock_unit = SelectField(
        "Stock counted in",
        choices=[
            SelectChoice("g", "grams (g)"),
            SelectChoice("mL", "millilitres (mL)"),
            SelectChoice("each", "each"),
        ],
    )
    salt_form = SelectField(
        "Salt form (naltrexone powder)",
        choices=[
            SelectChoice("", "not naltrexone powder"),
            SelectChoice("hcl", "HCl, anhydrous"),
            SelectChoice("hcl_dihydrate", "HCl dihydrate"),
            SelectChoice("base", "base"),
        ],
        default="",
    )
    assay_percent = FiniteDecimalField(
        "Assay / purity %", places=3, validators=[Optional(), NumberRange(min=50, max=110)]
    )
    tablet_strength_mg = FiniteDecimalField(
        "Tablet strength (mg)", places=3, validators=[Optional(), NumberRange(min=0.1, max=1000)]
    )
    tablet_weight_mg = FiniteDecimalField(
        "Tablet weight (mg)", places=3, validators=[Optional(), NumberRange(min=1, max=5000)]
    )
    density_g_per_ml = FiniteDecimalField(
        "Fill density (g/mL, fillers)",
        places=4,
        validators=[Optional(), NumberRange(min=0.05, max=3)],
    )
    capsule_size = SelectField(
        "Capsule size (shells)",
        choices=[SelectChoice("", "—")] + [SelectChoice(size, size) for size in CAPSULE_VOLUME_ML],
        default="",
    )
    capacity_ml = FiniteDecimalField(
        "Capacity (mL, containers)",
        places=2,
        validators=[Optional(), NumberRange(min=1, max=10000)],
    )
    submit = SubmitField("Add ingredient")

    def new_ingredient(self) -> Ingredient:
        """The ingredient the form describes, not yet in the catalogue."""
        return Ingredient(
            name=(self.name.data or "").strip(),
            kind=self.kind.data,
            stock_unit=self.stock_unit.data,
            salt_form=self.salt_form.data or None,
            assay_percent=self.assay_percent.data,
            tablet_strength_mg=self.tablet_strength_mg.data,
            tablet_weight_mg=self.tablet_weight_mg.data,
            density_g_per_ml=self.density_g_per_ml.data,
            capsule_size=self.capsule_size.data or None,
            capacity_ml=self.capacity_ml.data,
        )

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        """Each kind needs the figures its arithmetic uses."""
        if not super().validate(extra_validators):
            return False
        needed = {
            IngredientKind.ACTIVE_POWDER.value: [self.salt_form, self.assay_percent],
            IngredientKind.TABLET.value: [self.tablet_strength_mg, self.tablet_weight_mg],
            IngredientKind.FILLER.value: [self.density_g_per_ml],
            IngredientKind.CAPSULE_SHELL.value: [self.capsule_size],
            IngredientKind.CONTAINER.value: [self.capacity_ml],
        }.get(self.kind.data or "", [])
        missing = [f for f in needed if f.data in (None, "")]
        for field in missing:
            field.errors = [*field.errors, f"Needed for a {self.kind.data.replace('_', ' ')}."]
        return not missing
