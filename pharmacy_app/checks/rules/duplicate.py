"""Duplicates: the same patient's other open prescriptions for LDN.

A prescription entered twice (a double click, a fax and its e-prescription, a refill request
typed as a new order) would be compounded and charged twice. The checker is pure, so the
caller passes the patient's other open orders in; the pharmacist confirms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..document import OrderDocument
from ..findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """Another open prescription of the same patient, as the caller found it."""

    rx_number: str
    status: str
    dosage_form: str
    strength: str
    received: dt.date


def check(document: OrderDocument, others: tuple[OpenOrder, ...]) -> list[Finding]:
    """One finding naming the other open orders (a finding is decided by its code and field):
    a warning when one is for the same dosage form, which is how a duplicate or an unclosed
    renewal looks; information when they are all other forms (a cream beside capsules)."""
    if not others:
        return []
    form = document.preparation.dosage_form.value
    same = [o for o in others if o.dosage_form == form]
    listed = "; ".join(
        f"{o.rx_number} (naltrexone {o.strength} {o.dosage_form.replace('_', ' ')}, received "
        f"{o.received.isoformat()}, {o.status})"
        for o in (same or others)
    )
    if same:
        return [
            Finding(
                "duplicate.open_order",
                Severity.WARN,
                "patient",
                f"This patient has another open prescription for the same preparation: {listed}. "
                "Confirm this is not the same prescription entered twice, or a renewal whose "
                "old prescription should be closed.",
            )
        ]
    return [
        Finding(
            "duplicate.other_open_order",
            Severity.INFO,
            "patient",
            f"This patient also has open prescriptions for other forms of LDN: {listed}.",
        )
    ]
