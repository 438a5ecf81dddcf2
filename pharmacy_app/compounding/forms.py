"""Forms for receiving lots, master formulations and compounding records."""

from __future__ import annotations

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
from ..formfields import FiniteDecimalField
from ..idempotency.forms import OnceTokenField
from .arithmetic import CAPSULE_VOLUME_ML
from .bud import BudRule
from .models import IngredientKind


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
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
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
    storage = StringField("Storage", validators=[Length(max=200)])
    container = StringField("Container and closure", validators=[Length(max=200)])
    method = TextAreaField("Method (steps)", validators=[DataRequired()])
    equipment = TextAreaField("Equipment")
    quality_checks = TextAreaField("Quality checks")
    labour_minutes = IntegerField(
        "Labour minutes", default=15, validators=[InputRequired(), NumberRange(min=0, max=600)]
    )
    submit = SubmitField("Save")


class StartRecordForm(FlaskForm):
    once_token = OnceTokenField()
    mfr = SelectField("Master formulation", coerce=int)
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
