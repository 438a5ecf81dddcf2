"""Form fields shared by the features' forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms import DecimalField, Field
from wtforms.validators import ValidationError

from .plaintext import hidden_character_refusal


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN and infinities at the field ("NaN" parses as a
    Decimal, and a signalling NaN breaks WTForms' own range check)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        value: Any = getattr(self, "data", None)
        if isinstance(value, Decimal) and not value.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


def visible(_form: Any, field: Field) -> None:
    """A one-line text field: visible characters only (a right-to-left override would print
    one thing on a label or record and mean another), as order entry demands."""
    refusal = hidden_character_refusal(field.data or "")
    if refusal:
        raise ValidationError(refusal)


def visible_lines(_form: Any, field: Field) -> None:
    """The same for text of several lines (a method's steps)."""
    refusal = hidden_character_refusal(field.data or "", lines=True)
    if refusal:
        raise ValidationError(refusal)
