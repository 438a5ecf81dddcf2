"""The dispensing forms: recording a fill as picked up or shipped (with a price other than the
computed one, or a refill too soon, explained), and a pharmacist's reversal."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from ..formfields import FiniteDecimalField
from ..idempotency.forms import OnceTokenField
from ..labels.forms import TEXT_LIMIT, at_most, strip_text
from ..workflow import MIN_REASON
from .services import DISPENSE_METHODS

MAX_PRICE = 100000


class PriceField(FiniteDecimalField):
    """A price in dollars and cents; "abc", "NaN" or "4,50" are refused in plain words. A text
    box, so what was typed comes back as typed (a browser empties a number box it cannot read).
    """

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Enter the price as a number, such as 42.50.") from exc


class DispenseForm(FlaskForm):
    once_token = OnceTokenField()
    method = SelectField(
        "How",
        choices=[
            SelectChoice("picked_up", "Picked up by the patient"),
            SelectChoice("shipped", "Shipped"),
        ],
        validate_choice=False,
    )
    note = StringField(
        "Note (tracking number, who collected)",
        filters=[strip_text],
        validators=[at_most(TEXT_LIMIT)],
    )
    price = PriceField(
        "Price charged (leave empty for the computed price)",
        places=2,
        render_kw={"inputmode": "decimal"},
        validators=[
            Optional(),
            NumberRange(
                min=0, max=MAX_PRICE, message=f"A price from 0 to {MAX_PRICE:,}, such as 42.50."
            ),
        ],
    )
    price_reason = StringField(
        "Reason for a different price", filters=[strip_text], validators=[at_most(TEXT_LIMIT)]
    )
    early_reason = StringField(
        "Refill too soon: the pharmacist's reason for dispensing it now",
        filters=[strip_text],
        validators=[at_most(TEXT_LIMIT)],
    )
    submit = SubmitField("Record dispensing")

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if self.method.data not in DISPENSE_METHODS:
            self.method.errors = [*self.method.errors, "Choose picked up or shipped."]
            valid = False
        if self.price.data is not None and len(self.price_reason.data or "") < MIN_REASON:
            self.price_reason.errors = [
                *self.price_reason.errors,
                "Give the reason for a price other than the computed one.",
            ]
            valid = False
        return valid


class ReverseDispensingForm(FlaskForm):
    reason = StringField(
        "Reason for reversing (wrong order, never collected)",
        filters=[strip_text],
        validators=[
            DataRequired(message="Give the reason for reversing the dispensing."),
            Length(min=MIN_REASON, message="Give the reason in a few words."),
            at_most(TEXT_LIMIT),
        ],
    )
    submit = SubmitField("Reverse dispensing")
