"""Duplicates: the same patient's other open prescriptions for LDN.

A prescription entered twice (a double click, a fax and its e-prescription, a refill request
typed as a new order) would be compounded and charged twice. The checker is pure, so the
caller passes the patient's other open orders in; the pharmacist confirms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..findings import Finding, Severity


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """Another open prescription of the same patient, as the caller found it."""

    rx_number: str
    status: str
    dosage_form: str
    strength: str
    received: dt.date


def check(others: tuple[OpenOrder, ...]) -> list[Finding]:
    """One finding naming every other open order (a finding is decided by its code and
    field, so there is one per order checked)."""
    if not others:
        return []
    listed = "; ".join(
        f"{o.rx_number} (naltrexone {o.strength} {o.dosage_form.replace('_', ' ')}, received "
        f"{o.received.isoformat()}, {o.status})"
        for o in others
    )
    return [
        Finding(
            "duplicate.open_order",
            Severity.WARN,
            "patient",
            f"This patient has other open prescriptions for LDN: {listed}. Confirm this is "
            "not the same prescription entered twice.",
        )
    ]
