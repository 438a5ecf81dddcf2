"""Forms for label stocks, dispensing and reversing a dispensing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from ..extensions import db
from ..formfields import FiniteDecimalField
from ..guards import LARGEST_ID
from ..idempotency.forms import OnceTokenField
from ..workflow import MIN_REASON
from .dispensing import DISPENSE_METHODS
from .models import LabelStock

MM = [InputRequired(), NumberRange(min=0, max=500)]
NUDGE = [InputRequired(), NumberRange(min=-20, max=20)]
TEXT_LIMIT = 300
MAX_PRICE = 100000


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def at_most(limit: int) -> Length:
    return Length(max=limit, message=f"At most {limit} characters.")


def strict_id(text: str | None) -> int | None:
    """An id as a form or query sends it: ASCII digits only ("²" is a digit to Python but
    not a number), within what the database holds; None for anything else."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(LARGEST_ID)):
        return None
    value = int(text)
    return value if 0 < value <= LARGEST_ID else None


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
        "Note (tracking number, who collected)", filters=[_strip], validators=[at_most(TEXT_LIMIT)]
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
        "Reason for a different price", filters=[_strip], validators=[at_most(TEXT_LIMIT)]
    )
    early_reason = StringField(
        "Refill too soon: the pharmacist's reason for dispensing it now",
        filters=[_strip],
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
        filters=[_strip],
        validators=[
            DataRequired(message="Give the reason for reversing the dispensing."),
            Length(min=MIN_REASON, message="Give the reason in a few words."),
            at_most(TEXT_LIMIT),
        ],
    )
    submit = SubmitField("Reverse dispensing")


class LabelStockForm(FlaskForm):
    once_token = OnceTokenField()
    stock_id = HiddenField()
    name = StringField("Name", filters=[_strip], validators=[DataRequired(), Length(max=120)])
    label_width_mm = FiniteDecimalField(
        "Label width (mm)", places=2, validators=[InputRequired(), NumberRange(min=20, max=300)]
    )
    label_height_mm = FiniteDecimalField(
        "Label height (mm)", places=2, validators=[InputRequired(), NumberRange(min=15, max=300)]
    )
    sheet_width_mm = FiniteDecimalField(
        "Sheet width (mm, laser sheets)",
        places=2,
        validators=[Optional(), NumberRange(min=50, max=500)],
    )
    sheet_height_mm = FiniteDecimalField(
        "Sheet height (mm)", places=2, validators=[Optional(), NumberRange(min=50, max=500)]
    )
    columns = IntegerField("Columns", default=1, validators=[InputRequired(), NumberRange(1, 10)])
    rows = IntegerField("Rows", default=1, validators=[InputRequired(), NumberRange(1, 30)])
    margin_top_mm = FiniteDecimalField("Top margin (mm)", places=2, default=0, validators=MM)
    margin_left_mm = FiniteDecimalField("Left margin (mm)", places=2, default=0, validators=MM)
    gap_x_mm = FiniteDecimalField("Gap across (mm)", places=2, default=0, validators=MM)
    gap_y_mm = FiniteDecimalField("Gap down (mm)", places=2, default=0, validators=MM)
    padding_mm = FiniteDecimalField("Inner padding (mm)", places=2, default=2, validators=MM)
    offset_x_mm = FiniteDecimalField(
        "Printer nudge right (mm)", places=2, default=0, validators=NUDGE
    )
    offset_y_mm = FiniteDecimalField(
        "Printer nudge down (mm)", places=2, default=0, validators=NUDGE
    )
    is_default = BooleanField("Default stock")
    submit = SubmitField("Save stock")

    FIELDS = (
        "name",
        "label_width_mm",
        "label_height_mm",
        "sheet_width_mm",
        "sheet_height_mm",
        "columns",
        "rows",
        "margin_top_mm",
        "margin_left_mm",
        "gap_x_mm",
        "gap_y_mm",
        "padding_mm",
        "offset_x_mm",
        "offset_y_mm",
        "is_default",
    )

    @classmethod
    def for_stock(cls, stock: LabelStock) -> LabelStockForm:
        form = cls(formdata=None, prefix="")
        form.stock_id.data = str(stock.id)
        for name in cls.FIELDS:
            getattr(form, name).data = getattr(stock, name)
        return form

    def editing(self) -> int | None:
        """The id of the stock this form changes; None for a new one."""
        return strict_id(self.stock_id.data)

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        if not super().validate(extra_validators):
            return False
        sheet = self.sheet_width_mm.data is not None or self.sheet_height_mm.data is not None
        if sheet and (self.sheet_width_mm.data is None or self.sheet_height_mm.data is None):
            self.sheet_height_mm.errors = ["Give both sheet sizes, or neither for a roll."]
            return False
        if sheet:
            width = (
                self.margin_left_mm.data
                + self.columns.data * self.label_width_mm.data
                + (self.columns.data - 1) * self.gap_x_mm.data
            )
            height = (
                self.margin_top_mm.data
                + self.rows.data * self.label_height_mm.data
                + (self.rows.data - 1) * self.gap_y_mm.data
            )
            if width > self.sheet_width_mm.data or height > self.sheet_height_mm.data:
                self.columns.errors = ["These labels do not fit on the sheet."]
                return False
        return True

    def name_taken(self) -> bool:
        """Another stock has this name, in any case ("avery 5163" is "Avery 5163")."""
        same = select(LabelStock.id).where(
            func.lower(LabelStock.name) == (self.name.data or "").lower()
        )
        editing = self.editing()
        if editing is not None:
            same = same.where(LabelStock.id != editing)
        return db.session.scalars(same.limit(1)).first() is not None

    def populate_stock(self, stock: LabelStock) -> None:
        for name in self.FIELDS:
            setattr(stock, name, getattr(self, name).data)
        if stock.sheet_width_mm is None:
            stock.columns, stock.rows = 1, 1
        for name in ("margin_top_mm", "margin_left_mm", "gap_x_mm", "gap_y_mm"):
            if getattr(stock, name) is None:
                setattr(stock, name, Decimal(0))
