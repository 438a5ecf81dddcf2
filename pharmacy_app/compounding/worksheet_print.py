"""What the compounding worksheet PDF prints, taken from a fill's record as plain values (the
PDF template never sees a live record, lot or user)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from ..accounts.models import User
from ..barcodes import code128_svg
from ..pdf import plain_values
from .models import CompoundingRecord, RecordComponent, Substitution


@dataclass(frozen=True, slots=True)
class ComponentPrint:
    """One component's row: the lot it came from, what was required and what was weighed."""

    role: str
    ingredient: str
    lot_number: str
    supplier: str
    expiry_date: dt.date
    required: Decimal
    actual: Decimal | None
    unit: str
    from_stock: bool
    weighed: bool
    within_tolerance: bool | None
    beyond_limit: bool
    decision_reason: str | None


@dataclass(frozen=True, slots=True)
class SubstitutionPrint:
    """A vehicle or filler other than the prescribed, and the pharmacist's decision on it."""

    kind: str
    prescribed: str
    used: str
    reason: str | None
    prescriber_consulted: str | None
    consulted_on: dt.date | None
    decided_by: str | None
    decided_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class WorksheetPrint:
    """The worksheet of one fill, as printed for the compounding room and the record."""

    batch_number: str
    formula_name: str
    formula_version: int
    release: str
    rx_number: str
    patient: str
    units_to_make: Decimal
    unit_name: str
    beyond_use_date: dt.date
    bud_reason: str
    storage: str
    supply_warning: str | None
    supply_accepted_reason: str | None
    supply_accepted_by: str | None
    cautions: tuple[str, ...]
    substitutions: tuple[SubstitutionPrint, ...]
    lines: tuple[dict[str, Any], ...]
    components: tuple[ComponentPrint, ...]
    tolerance_percent: Decimal
    discard_limit_percent: Decimal
    method: str
    equipment: str
    quality_checks: str
    prepared_by: str | None
    prepared_at: dt.datetime | None
    signed_off_by: str | None
    signed_off_at: dt.datetime | None
    # The container label: the batch number's Code 128, cut out and stuck on the filled
    # container; the pharmacist scans it at the final check (dispensing/final_check.py).
    container_code: Markup


def worksheet_print(record: CompoundingRecord) -> WorksheetPrint:
    """The fill's worksheet as plain values, read from the record once."""
    mfr, order = record.mfr, record.order
    return plain_values(
        WorksheetPrint,
        record,
        formula_name=mfr.name,
        formula_version=mfr.version,
        release=mfr.release,
        rx_number=order.rx_number,
        patient=order.patient.full_name,
        supply_accepted_by=_name(record.supply_accepted_by),
        cautions=tuple(record.cautions or ()),
        substitutions=tuple(_substitution(s) for s in record.substitutions),
        lines=tuple(dict(line) for line in record.worksheet),
        components=tuple(_component(c) for c in record.components),
        method=mfr.method,
        equipment=mfr.equipment,
        quality_checks=mfr.quality_checks,
        prepared_by=_name(record.prepared_by),
        signed_off_by=_name(record.signed_off_by),
        container_code=code128_svg(record.batch_number),
    )


def _component(component: RecordComponent) -> ComponentPrint:
    lot = component.lot
    return plain_values(
        ComponentPrint,
        component,
        ingredient=lot.ingredient.name,
        lot_number=lot.lot_number,
        supplier=lot.supplier,
        expiry_date=lot.expiry_date,
    )


def _substitution(substitution: Substitution) -> SubstitutionPrint:
    return plain_values(SubstitutionPrint, substitution, decided_by=_name(substitution.decided_by))


def _name(user: User | None) -> str | None:
    return user.full_name if user is not None else None
