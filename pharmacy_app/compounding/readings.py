"""Amounts typed from a balance, a graduate or a count: a weighing of a fill's components, or
a pharmacist's count of a lot, each in the unit it is measured in."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ..workflow import WorkflowError
from .models import CompoundingRecord

# The units a reading may be typed with, for each unit a component is measured in.
_UNIT_WORDS = {
    "mg": ("mg",),
    "g": ("g", "gm", "grams"),
    "mL": ("ml", "mls"),
    "each": ("each", "ea", "capsules", "caps", "tablets", "tabs", "bottles", "vials"),
    "tablets": ("tablets", "tablet", "tabs", "tab"),
}


def amount_in(text: str, unit: str) -> Decimal | None:
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


def weighed_amounts(record: CompoundingRecord, typed: dict[int, str]) -> dict[int, Decimal]:
    """Each component's reading as typed (by component id), or WorkflowError naming the first
    that is not an amount in its unit."""
    actuals: dict[int, Decimal] = {}
    for component in record.components:
        amount = amount_in(typed[component.id], component.unit)
        if amount is None:
            raise WorkflowError(
                f'"{typed[component.id]}" is not an amount of the {component.role} in '
                f"{component.unit}: enter the number the balance or the count shows."
            )
        actuals[component.id] = amount
    return actuals
