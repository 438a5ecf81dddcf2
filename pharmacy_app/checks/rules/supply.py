"""Supply: quantity, dose, frequency and days supply must agree; refills must be plausible.

A non-controlled prescription is generally valid for one year in US states, so refills that
reach beyond a year of supply are implausible (general knowledge; configurable in policy).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from .. import titration
from ..amounts import ML
from ..document import DosageForm, OrderDocument
from ..findings import DoseSummary, Finding, Severity, plain
from ..policy import CheckPolicy
from . import directions

# Quantities within this share of what the days need agree (titration packs, rounding).
_TOLERANCE = Decimal("0.10")
# Liquids and creams are dispensed in whole bottles and jars: more than needed is normal.
_MEASURED_OVERFILL = Decimal("0.50")


def check(
    document: OrderDocument,
    policy: CheckPolicy,
    summary: DoseSummary,
    dose_findings: list[Finding],
    today: dt.date,
) -> list[Finding]:
    """Findings on quantity, days supply, refills and the prescription's dates (against
    `today`, the pharmacy's date). The quantity
    is not compared when the dose itself is blocked or unworkable: that comes first."""
    dose_in_doubt = any(
        f.severity is Severity.BLOCK or f.code in _DOSE_IN_DOUBT for f in dose_findings
    )
    findings = [] if dose_in_doubt else _quantity_agrees(document, summary)
    findings += _directions_agree(document, summary)
    findings += _refills(document, policy)
    findings += _dates(document, policy, today)
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
    share = directions.days_share(document.sig.text)
    if share is not None:
        daily = daily * share  # "every other night": half a dose a day
    if daily <= 0:
        return []
    quantity = document.quantity
    unmakeable = _titration_steps_not_whole(document)
    if unmakeable:
        return [unmakeable]
    titration = _titration_needs(document)
    needed = titration[0] if titration is not None else daily * document.days_supply
    overfill = _TOLERANCE if unit == "capsules" else _MEASURED_OVERFILL
    if quantity < needed * (1 - _TOLERANCE):
        code = "supply.quantity_short"
    elif quantity > needed * (1 + overfill):
        code = "supply.quantity_excess"
    else:
        return []
    if titration is not None:
        says = (
            f"The titration in the directions needs {plain(needed, 2)} {unit} over "
            f"{titration[1]} days, but the quantity is {plain(quantity, 2)} {unit}"
        )
    else:
        lasts = (quantity / daily).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        says = (
            f"{plain(quantity, 2)} {unit} at {plain(daily, 2)} {unit} a day last {lasts} days, "
            f"but the days supply is {document.days_supply} (that needs {plain(needed, 2)} {unit})"
        )
    return [
        Finding(
            code, Severity.WARN, "quantity", f"{says}. Confirm the quantity, dose or days supply."
        )
    ]


def _wrong_units(document: OrderDocument) -> list[str]:
    return directions.wrong_form_units(document.sig.text, document.preparation.dosage_form)


def _titration_steps_not_whole(document: OrderDocument) -> Finding | None:
    """A titration whose steps are not whole capsules of this strength cannot be made from
    this order ("1.5 mg, then 3 mg, then 4.5 mg" on 4.5 mg capsules)."""
    if document.preparation.dosage_form is not DosageForm.CAPSULE:
        return None
    strength = document.preparation.strength_amount.value
    odd = [step.mg for step in _schedule(document) if not step.whole]
    if not odd:
        return None
    return Finding(
        "supply.titration_not_whole_capsules",
        Severity.WARN,
        "sig.text",
        f"The titration's steps of {', '.join(plain(mg, 4) + ' mg' for mg in odd)} are not "
        f"whole {plain(strength, 4)} mg capsules: each step needs capsules of a strength that "
        "divides it (often the smallest step's). Confirm the strength with the prescriber.",
    )


def _titration_needs(document: OrderDocument) -> tuple[Decimal, int] | None:
    """(units needed, days) for a titration written as steps ("1.5 mg at bedtime for 14
    days, then 3 mg ..."); None when the directions are not a readable titration. The same
    count the order page shows (`titration.needs`)."""
    found = titration.needs(_schedule(document), document.days_supply)
    return (found.units, found.days) if found is not None else None


def _schedule(document: OrderDocument) -> tuple[titration.ScheduleStep, ...]:
    return titration.schedule(
        document.sig.text,
        document.preparation.dosage_form,
        document.preparation.strength_amount,
        document.sig.times_per_day,
    )


def _directions_agree(document: OrderDocument, summary: DoseSummary) -> list[Finding]:
    """The written directions must say what the dose fields say: how often, how much, in what
    and for how long."""
    text = document.sig.text
    if not text.strip():
        return []
    problems = [
        f"doses in {', '.join(units)}, which {_a(document.preparation.dosage_form.label)} is "
        "not measured in"
        for units in [_wrong_units(document)]
        if units
    ]
    if directions.is_titration(text):
        return _disagreement(problems)
    written_days = directions.duration_days(text)
    if written_days is not None and written_days != document.days_supply:
        problems.append(f"{written_days} days, but the days supply is {document.days_supply}")
    written_times = directions.times_per_day(text)
    times = document.sig.times_per_day
    if written_times is not None and written_times != times:
        problems.append(
            f"{_times(written_times)} a day, but the dose is entered {_times(times)} a day"
        )
    written_mg = {
        mg
        for amount, unit in directions.amounts(text)
        if (
            mg := directions.mg_in(
                document.preparation.dosage_form, document.preparation.strength_amount, amount, unit
            )
        )
        is not None
    }
    if summary.mg_per_dose is not None and len(written_mg) == 1:
        mg = written_mg.pop()
        if abs(mg - summary.mg_per_dose) > summary.mg_per_dose * Decimal("0.005"):
            problems.append(
                f"{plain(mg, 4)} mg a dose, but the dose entered is "
                f"{plain(summary.mg_per_dose, 4)} mg"
            )
    return _disagreement(problems)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _disagreement(problems: list[str]) -> list[Finding]:
    if not problems:
        return []
    return [
        Finding(
            "supply.directions_disagree",
            Severity.WARN,
            "sig.text",
            "The written directions say " + "; and ".join(problems) + ". The label and the "
            "checks must agree: correct the dose fields or the directions.",
        )
    ]


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _refills(document: OrderDocument, policy: CheckPolicy) -> list[Finding]:
    if document.refills > 0 and _schedule(document):
        # A refill repeats the prescription: a titration's would start the patient at its
        # first step again (1.5 mg after weeks on 4.5 mg), with a quantity counted for the
        # steps. The pharmacy makes no refill of it (dispensing/refills.py); the prescriber
        # sends the maintenance dose as its own prescription.
        return [
            Finding(
                "supply.titration_refills",
                Severity.WARN,
                "refills",
                f"A titration with {document.refills} refill"
                f"{'s' if document.refills != 1 else ''}: a refill would start the schedule "
                "again from its first step. Its refills are not made; ask the prescriber "
                "for the maintenance dose as a prescription of its own (refills 0 here).",
            )
        ]
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
    if received > today:
        findings.append(
            Finding(
                "supply.received_in_future",
                Severity.WARN,
                "date_received",
                f"Received {received.isoformat()}, a date still to come. Confirm the date "
                "received.",
            )
        )
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
