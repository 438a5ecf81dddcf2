"""At compounding, each lot used is scanned (or typed) and must be the lot the worksheet chose:
a container of the wrong lot, or of another ingredient, is caught before anything is weighed
from it. A component weighed out of another component's lot (the aliquot of crushed tablets)
is scanned with that same lot."""

from __future__ import annotations

from collections.abc import Mapping

from ..barcodes import clean_scan, same_code
from ..workflow import WorkflowError
from .models import CompoundingRecord

SCAN_SHOWN = 40  # a scan quoted back in a message is cut to this many characters


def lot_field(component_id: int) -> str:
    """The name of a component's lot scan field on the weights form."""
    return f"lot-{component_id}"


def check_lots_scanned(record: CompoundingRecord, scanned: Mapping[int, str] | None) -> None:
    """Every component's scanned lot (by component id) is its lot's number, else
    WorkflowError at the first field that is missing or does not match."""
    scanned = scanned or {}
    for component in record.components:
        lot = component.lot
        typed = scanned.get(component.id, "")
        if same_code(typed, lot.lot_number):
            continue
        shown = clean_scan(typed)[:SCAN_SHOWN]
        raise WorkflowError(
            f"Wrong lot for the {component.role}: {shown} was scanned; the worksheet chose lot "
            f"{lot.lot_number} of {lot.ingredient.name}. Take that container, or ask a "
            "pharmacist to start the fill again with the lot at hand."
            if shown
            else f"Scan (or type) the lot of the {component.role}: lot {lot.lot_number} of "
            f"{lot.ingredient.name}.",
            field=lot_field(component.id),
        )
