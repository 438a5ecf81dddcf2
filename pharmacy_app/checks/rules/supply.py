"""Supply: quantity, dose, frequency and days supply must agree; refills must be plausible.

A non-controlled prescription is generally valid for one year in US states, so refills that
reach beyond a year of supply are implausible (general knowledge; configurable in policy).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from ..amounts import ML
from ..document import DosageForm, OrderDocument
from ..findings import DoseSummary, Finding, Severity, plain
from ..policy import CheckPolicy

# Quantities within this share of what the days need agree (titration packs, rounding).
_TOLERANCE = Decimal("0.10")
# Liquids and creams are dispensed in whole bottles and jars: more than needed is normal.
_MEASURED_OVERFILL = Decimal("0.50")


def check(
    document: OrderDocument,
    policy: CheckPolicy,
    summary: DoseSummary,
    dose_findings: list[Finding],
    today: dt.date | None = None,
) -> list[Finding]:
    """Findings on quantity, days supply, refills and the prescription's dates. The quantity
    is not compared when the dose itself is blocked or unworkable: that comes first."""
    dose_in_doubt = any(
        f.severity is Severity.BLOCK or f.code in _DOSE_IN_DOUBT for f in dose_findings
    )
    findings = [] if dose_in_doubt else _quantity_agrees(document, summary)
    findings += _refills(document, policy)
    findings += _dates(document, policy, today or dt.date.today())
    return findings


_DOSE_IN_DOUBT = frozenset(
    {"dose.not_whole_capsules", "dose.not_computable", "dose.drop_volume_unknown"}
)


def _needed_per_day(document: OrderDocument, summary: DoseSummary) -> tuple[Decimal, str] | None:
    """Units the patient uses a day (capsules, or mL/g of a measured form) and their name."""
    if summary.mg_per_dose is None:
        return None
    strength = document.preparation.strength_amount
    times = document.sig.times_per_day
    if document.preparation.dosage_form is DosageForm.CAPSULE:
        return summary.mg_per_dose / strength.value * times, "capsules"
    if strength.per == ML:
        return summary.mg_per_dose / strength.value * times, "mL"
    if strength.per == "g":
        return summary.mg_per_dose / strength.value * times, "g"
    return None


def _quantity_agrees(document: OrderDocument, summary: DoseSummary) -> list[Finding]:
    per_day = _needed_per_day(document, summary)
    if per_day is None:
        return []
    daily, unit = per_day
    needed = daily * document.days_supply
    quantity = document.quantity
    lasts = (quantity / daily).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    says = (
        f"{plain(quantity, 2)} {unit} at {plain(daily, 2)} {unit} a day last {lasts} days, "
        f"but the days supply is {document.days_supply} (that needs {plain(needed, 2)} {unit})"
    )
    if quantity < needed * (1 - _TOLERANCE):
        return [
            Finding(
                "supply.quantity_short",
                Severity.WARN,
                "quantity",
                f"{says}. Confirm the quantity, dose or days supply.",
            )
        ]
    overfill = _TOLERANCE if unit == "capsules" else _MEASURED_OVERFILL
    if quantity > needed * (1 + overfill):
        return [
            Finding(
                "supply.quantity_excess",
                Severity.WARN,
                "quantity",
                f"{says}. Confirm the quantity, dose or days supply.",
            )
        ]
    return []


def _refills(document: OrderDocument, policy: CheckPolicy) -> list[Finding]:
    total_days = document.days_supply * (document.refills + 1)
    if total_days > policy.max_prescription_days:
        return [
            Finding(
                "supply.refills_implausible",
                Severity.WARN,
                "refills",
                f"{document.refills} refills of {document.days_supply} days is "
                f"{total_days} days of "
                f"supply, more than the {policy.max_prescription_days} days a prescription is "
                "usually valid for. Confirm the number of refills.",
            )
        ]
    return []


def _dates(document: OrderDocument, policy: CheckPolicy, today: dt.date) -> list[Finding]:
    written, received = document.date_written, document.date_received or today
    findings: list[Finding] = []
    if written is None:
        return findings
    if written > today:
        findings.append(
            Finding(
                "supply.written_in_future",
                Severity.WARN,
                "date_written",
                f"The prescription is dated {written.isoformat()}, in the "
                "future. Confirm the date written.",
            )
        )
    elif written > received:
        findings.append(
            Finding(
                "supply.received_before_written",
                Severity.WARN,
                "date_received",
                "The prescription was received before the date it was written. Confirm both dates.",
            )
        )
    elif (received - written).days > policy.max_prescription_age_days:
        findings.append(
            Finding(
                "supply.prescription_expired",
                Severity.WARN,
                "date_written",
                f"Written {written.isoformat()}, more than {policy.max_prescription_age_days} days "
                "before it was received: in most states it has expired. A new prescription is "
                "needed.",
            )
        )
    return findings
