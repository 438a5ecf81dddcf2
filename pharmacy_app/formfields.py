"""Form fields shared by the features' forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms import DecimalField


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN and infinities at the field ("NaN" parses as a
    Decimal, and a signalling NaN breaks WTForms' own range check)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        value: Any = getattr(self, "data", None)
        if isinstance(value, Decimal) and not value.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
