"""Directions in plain words for the label (USP <17>: explicit, patient-centred)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FORMS = {
    "capsule": ("Take", "capsule", "capsules", "by mouth"),
    "oral_liquid": ("Take", None, None, "by mouth"),
    "sublingual_drops": ("Place", None, None, "under the tongue and hold for 1 minute"),
    "topical_cream": ("Apply", None, None, "to the skin as directed"),
}
TIMES = {"bedtime": "at bedtime", "morning": "in the morning", "evening": "in the evening"}
FREQUENCY = {1: "once a day", 2: "twice a day", 3: "3 times a day", 4: "4 times a day"}


def plain_directions(
    dosage_form: str,
    mg_per_dose: Decimal | None,
    strength_mg: Decimal,
    ml_per_dose: Decimal | None,
    times_per_day: int,
    time_of_day: str,
    sig_text: str,
) -> str:
    """ "Take 1 capsule (4.5 mg) by mouth at bedtime" from the order's worked-out dose; the
    prescriber's own words when the dose could not be worked out."""
    if mg_per_dose is None:
        return sig_text or "Use as directed by your prescriber"
    verb, one, many, route = FORMS.get(dosage_form, ("Take", None, None, ""))
    mg = _plain(mg_per_dose)
    if one is not None:
        count = mg_per_dose / strength_mg
        amount = f"{_plain(count)} {one if count == 1 else many} ({mg} mg)"
    elif ml_per_dose is not None:
        amount = f"{_plain(ml_per_dose)} mL ({mg} mg)"
    else:
        amount = f"{mg} mg"
    when = TIMES.get(time_of_day.strip().lower(), "")
    if times_per_day == 1 and when:
        timing = when
    else:
        timing = FREQUENCY.get(times_per_day, f"{times_per_day} times a day")
        if when:
            timing += f", {when}"
    return f"{verb} {amount} {route} {timing}".replace("  ", " ").strip()


def _plain(value: Decimal) -> str:
    value = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP).normalize()
    return format(value, "f")
