"""Dose: mg per dose and per day from the strength and the sig, judged against LDN's range.

Thresholds come from the pharmacy's CheckPolicy (defaults and sources in policy.py and
shared/domain/ldn.md): under 0.5 mg/day very low (info), 0.5-4.5 mg/day usual, above 4.5 up
to 6 warn, above 6 to under 10 warn strongly, 10 mg/day or more is not a low dose (block).
Starting, titration and micro doses are never blocked.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from ...units import MCG_PER_MG
from ..amounts import ML, Amount, parse_amount
from ..document import DosageForm, OrderDocument
from ..findings import DoseSummary, Finding, Severity
from ..policy import CheckPolicy
from . import directions

STRENGTH = "preparation.strength"
DOSE = "sig.dose"
_LIQUID_FORMS = (DosageForm.ORAL_LIQUID, DosageForm.SUBLINGUAL_DROPS)
# Doses used to treat opioid and alcohol dependence (shared/domain/ldn.md).
_MICROGRAMS = ("mcg", "microgram")
_ADDICTION_DOSES = (Decimal(25), Decimal(50), Decimal(100))


def check(document: OrderDocument, policy: CheckPolicy) -> tuple[DoseSummary, list[Finding]]:
    """Work out the dose and judge it; a summary with None where it cannot be worked out."""
    preparation, sig = document.preparation, document.sig
    summary, findings = _check(
        preparation.dosage_form, preparation.strength, sig.dose, sig.times_per_day, sig.text, policy
    )
    return summary, list(findings)


@lru_cache(maxsize=4096)
def _check(
    form: DosageForm,
    written_strength: str,
    written_dose: str,
    times: int,
    sig_text: str,
    policy: CheckPolicy,
) -> tuple[DoseSummary, tuple[Finding, ...]]:
    """The dose findings, cached by what they depend on (a pharmacy's day repeats them)."""
    strength, dose = parse_amount(written_strength), parse_amount(written_dose)
    mismatch = _strength_fits_form(form, strength, written_strength)
    if mismatch:
        return DoseSummary(), (mismatch,)
    mg_per_dose, ml_per_dose, findings = _mg_per_dose(form, strength, dose, written_dose)
    if mg_per_dose is None:
        return DoseSummary(), tuple(findings)
    mg_per_day = mg_per_dose * times
    findings += _judge_daily_dose(mg_per_day, times, policy)
    findings += _directions_allow_more(sig_text, form, strength, mg_per_dose, times, policy)
    micrograms = [a for a in (strength, dose) if a.written in _MICROGRAMS]
    # A dose written in mcg that would be an ordinary LDN dose in mg (up to the "not a low
    # dose" limit) is more likely a slip than an ultra-low dose (shared/domain/ldn.md).
    as_mg = mg_per_day * MCG_PER_MG  # the number written, read as mg
    if micrograms and policy.very_low_below_mg <= as_mg < policy.not_low_dose_from_mg:
        findings.append(
            Finding(
                "dose.possible_unit_slip",
                Severity.WARN,
                DOSE if dose in micrograms else STRENGTH,
                f"Written in micrograms, this is {_tidy(mg_per_day)} mg a day; in milligrams it "
                f"would be the usual LDN dose of {_tidy(as_mg)} mg. Confirm mcg was "
                "meant, not mg.",
            )
        )
    if times > 1:
        findings.append(
            Finding(
                "dose.split",
                Severity.INFO,
                "sig.times_per_day",
                f"{times} doses a day. Split dosing of LDN exists but is unusual; LDN is usually "
                "taken once a day.",
            )
        )
    summary = DoseSummary(
        mg_per_dose=_tidy(mg_per_dose),
        mg_per_day=_tidy(mg_per_day),
        ml_per_dose=None if ml_per_dose is None else _tidy(ml_per_dose),
    )
    return summary, tuple(findings)


def _directions_allow_more(
    sig_text: str,
    form: DosageForm,
    strength: Amount,
    mg_per_dose: Decimal,
    times: int,
    policy: CheckPolicy,
) -> list[Finding]:
    """The written directions may allow more than the dose fields ("may increase to 2
    caps"): judge the most they allow against the usual range."""
    most = directions.most_mg_a_dose(sig_text, form, strength)
    if most is None or most <= mg_per_dose or most * times <= policy.usual_max_mg:
        return []
    return [
        Finding(
            "dose.directions_above_usual",
            Severity.WARN,
            "sig.text",
            f"The written directions allow up to {_tidy(most)} mg a dose ({_tidy(most * times)} "
            f"mg a day), above the usual LDN range of {_tidy(policy.usual_max_mg)} mg a day and "
            "more than the dose entered. Confirm the most the patient may take.",
        )
    ]


def _strength_fits_form(form: DosageForm, strength: Amount, written: str) -> Finding | None:
    if form is DosageForm.CAPSULE:
        if strength.is_mass:
            return None
        why = "a capsule's strength is an amount per capsule, such as 4.5 mg"
    elif form in _LIQUID_FORMS:
        if strength.is_concentration and strength.per in (ML, "drop"):
            return None
        why = f"a {form.label}'s strength is a concentration, such as 1 mg/mL"
    else:
        if strength.is_concentration and strength.per in (ML, "g", "click"):
            return None
        why = "a cream's strength is a concentration, such as 0.5 mg/mL or 1 mg/g"
    return Finding(
        "dose.strength_form_mismatch",
        Severity.BLOCK,
        STRENGTH,
        f'Strength "{written}" does not fit a {form.label}: {why}.',
    )


def _mg_per_dose(
    form: DosageForm, strength: Amount, dose: Amount, written: str
) -> tuple[Decimal | None, Decimal | None, list[Finding]]:
    """(mg per dose, mL per dose for measured forms, findings)."""
    if dose.is_concentration:
        return None, None, [_unreadable(written, "a dose is an amount, not a concentration")]
    if form is DosageForm.CAPSULE:
        return _capsule_dose(strength, dose, written)
    per = strength.per
    if dose.is_mass and per == "g" and dose.written in ("gram", "gm"):
        # "1 g" of a mg/g cream is an amount of cream, not of naltrexone.
        return dose.value / 1000 * strength.value, None, []
    if dose.is_mass:
        ml = dose.value / strength.value if per == ML else None
        return dose.value, ml, []
    if dose.is_volume and per == ML:
        return dose.value * strength.value, dose.value, []
    if dose.is_count and dose.unit == per:
        return dose.value * strength.value, None, []
    if dose.is_count and dose.unit == "drop":
        return (
            None,
            None,
            [
                Finding(
                    "dose.drop_volume_unknown",
                    Severity.WARN,
                    DOSE,
                    f'"{written}": the strength is per mL and a drop\'s volume depends on the '
                    "dropper. "
                    "Write the dose in mL or mg so it can be checked.",
                )
            ],
        )
    return None, None, [_unreadable(written, f"it cannot be measured from a {form.label}")]


def _capsule_dose(
    strength: Amount, dose: Amount, written: str
) -> tuple[Decimal | None, Decimal | None, list[Finding]]:
    if dose.is_count and dose.unit in ("capsule", "tablet"):
        mg = dose.value * strength.value
        if dose.value != dose.value.to_integral_value():
            return mg, None, [_not_whole(written, dose.value, strength.value)]
        return mg, None, []

    if not dose.is_mass:
        return None, None, [_unreadable(written, "a capsule dose is mg or a number of capsules")]
    capsules = dose.value / strength.value
    if capsules != capsules.to_integral_value():
        return (
            dose.value,
            None,
            [_not_whole(written, capsules, strength.value)],
        )
    return dose.value, None, []


def _not_whole(written: str, capsules: Decimal, strength_mg: Decimal) -> Finding:
    return Finding(
        "dose.not_whole_capsules",
        Severity.WARN,
        DOSE,
        f'A dose of "{written}" is {_tidy(capsules)} of a {_tidy(strength_mg)} mg capsule. '
        "Capsules cannot be split: confirm the strength or the dose.",
    )


def _judge_daily_dose(mg: Decimal, times: int, policy: CheckPolicy) -> list[Finding]:
    shown = f"{_tidy(mg)} mg a day"
    if mg >= policy.not_low_dose_from_mg:
        return [
            Finding(
                "dose.not_low_dose",
                Severity.BLOCK,
                DOSE,
                f"{shown} is not a low dose: low dose naltrexone stays under "
                f"{_tidy(policy.not_low_dose_from_mg)} mg a day"
                + (
                    " and this is the dose used to treat opioid or alcohol dependence"
                    if mg in _ADDICTION_DOSES
                    else ""
                )
                + _unit_slip_hint(mg, policy)
                + ".",
            )
        ]
    if mg > policy.high_max_mg:
        return [
            Finding(
                "dose.high",
                Severity.WARN,
                DOSE,
                f"{shown} is well above the usual LDN range "
                f"(up to {_tidy(policy.usual_max_mg)} mg) "
                "and needs a pharmacist's decision with a reason.",
            )
        ]
    if mg > policy.usual_max_mg:
        return [
            Finding(
                "dose.above_usual",
                Severity.WARN,
                DOSE,
                f"{shown} is above the usual LDN range of {_tidy(policy.very_low_below_mg)} to "
                f"{_tidy(policy.usual_max_mg)} mg a day. Confirm with the prescriber.",
            )
        ]
    if mg < policy.ultra_low_below_mg:
        return [
            Finding(
                "dose.ultra_low",
                Severity.WARN,
                DOSE,
                f"{shown} is an ultra-low dose (under 1 microgram a day). Check for a mg/mcg "
                "slip in the prescription.",
            )
        ]
    if mg < policy.very_low_below_mg:
        return [
            Finding(
                "dose.very_low",
                Severity.INFO,
                DOSE,
                f"{shown} is a very low dose, as used to start sensitive patients; the usual range "
                f"is {_tidy(policy.very_low_below_mg)} to {_tidy(policy.usual_max_mg)} mg a day.",
            )
        ]
    return []


def _unit_slip_hint(mg: Decimal, policy: CheckPolicy) -> str:
    as_mcg = mg / MCG_PER_MG
    if policy.very_low_below_mg <= as_mcg <= policy.usual_max_mg:
        return f" (if micrograms were meant, {_tidy(mg)} mcg would be {_tidy(as_mcg)} mg)"
    return ""


def _unreadable(written: str, why: str) -> Finding:
    return Finding(
        "dose.not_computable",
        Severity.WARN,
        DOSE,
        f'The dose "{written}" cannot be worked out: {why}.',
    )


def _tidy(value: Decimal) -> Decimal:
    """Round to 4 decimal places (half up), or to 4 significant digits below 0.001 so an
    ultra-low dose never rounds to zero, and drop trailing zeros, for display and storage."""
    places = Decimal("0.0001")
    if 0 < abs(value) < Decimal("0.001"):
        places = Decimal(1).scaleb(value.adjusted() - 3)
    rounded = value.quantize(places, rounding=ROUND_HALF_UP).normalize()
    return rounded.quantize(Decimal(1)) if rounded == rounded.to_integral_value() else rounded
