"""Directions for the label (USP <17>: explicit, plain words, nothing lost).

The order carries the directions twice: as structured fields (dose, times a day, time of day)
and as the prescriber's own words. The plain line built from the fields ("Take 1 capsule
(4.5 mg) by mouth at bedtime") is printed only when the prescriber's words say nothing more:
every word they use is one the fields also say. Anything else (a titration schedule, where to
apply a cream, "shake well", split times) means the prescriber's words are printed, with sig
shorthand written out only where its meaning is certain (`shorthand.py`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..checks import Amount, DosageForm
from ..checks import titration as titrations
from ..checks.rules import directions as read
from .shorthand import NUMBER_WORDS, written_out

FORMS = {
    "capsule": ("Take", "capsule", "capsules", "by mouth"),
    "oral_liquid": ("Take", None, None, "by mouth"),
    "sublingual_drops": ("Place", None, None, "under the tongue and hold for 1 minute"),
    "topical_cream": ("Apply", None, None, "to the skin as directed"),
}
TIMES = {"bedtime": "at bedtime", "morning": "in the morning", "evening": "in the evening"}
FREQUENCY = {1: "once a day", 2: "twice a day", 3: "3 times a day", 4: "4 times a day"}
NO_DOSE = "Use as directed by your prescriber"

# Words that say nothing on their own; what they join must still be said by the fields.
FILLER_WORDS = frozenset("a an the of per each every at in by to and sig please your you".split())
# The prescriber's other ways of saying what each dosage form's plain line says.
FORM_WORDS = {
    "capsule": {"take", "swallow", "capsule", "mouth", "orally", "oral", "mg"},
    "oral_liquid": {"take", "swallow", "mouth", "orally", "oral", "ml", "mg"},
    "sublingual_drops": {"place", "put", "hold", "under", "tongue", "sublingually", "ml", "mg"},
    "topical_cream": {"apply", "skin", "topically", "ml", "g", "mg"},
}
# Times of day, for a once-a-day dose only: several doses cannot share one time.
TIME_WORDS = {
    "bedtime": {"bedtime", "bed", "before", "night", "nightly"},
    "evening": {"evening", "night", "nightly", "pm"},
    "morning": {"morning", "am"},
}
SINGULAR = {
    "capsules": "capsule",
    "caps": "capsule",
    "cap": "capsule",
    "minutes": "minute",
    "min": "minute",
    "days": "day",
    "milligram": "mg",
    "milligrams": "mg",
    "milliliter": "ml",
    "milliliters": "ml",
    "millilitre": "ml",
    "millilitres": "ml",
    "mls": "ml",
    "mgs": "mg",
    "gram": "g",
    "grams": "g",
}
TOKEN = re.compile(r"\d*\.\d+|\d+|[^\W\d_]+")


@dataclass(frozen=True)
class Sig:
    """The order's directions: the dose the checker worked out and the prescriber's words."""

    dosage_form: str
    mg_per_dose: Decimal | None
    strength_mg: Decimal
    ml_per_dose: Decimal | None
    times_per_day: int
    time_of_day: str
    text: str = ""
    strength_per: str | None = None  # None: per capsule; "mL" or "g"


def label_directions(sig: Sig) -> str:
    """What the label says under the patient's name: the plain line when the prescriber's
    words add nothing to it, otherwise the prescriber's words (shorthand written out)."""
    written = written_out(sig.text, sig.times_per_day, _time_of_day(sig))
    verb = FORMS.get(sig.dosage_form, ("Take",))[0]
    if written[:1].isdigit():  # "1 capsule by mouth at bedtime": the verb is understood
        written = f"{verb} {written}"
    schedule = titration_directions(sig, written)
    if schedule is not None:
        return schedule
    plain = plain_directions(sig)
    if plain is None:
        return written or NO_DOSE
    if written and not _says_nothing_more(written, sig, plain):
        return written
    return plain


# Words a written schedule uses to join its steps and give their lengths ("x 2 weeks",
# "then increase to"): said by the label's sentence in its own words.
STEP_WORDS = frozenset(
    "then for x week weeks wk wks day d w after that increase increasing to titrate "
    "titrating up continue thereafter".split()
)
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def titration_directions(sig: Sig, written: str) -> str | None:
    """A titration's label sentence, each step in capsules (or mL) and mg with the route and
    time (USP <17>: explicit directions, numerals): "Take 1 capsule (1.5 mg) by mouth at
    bedtime for 2 weeks, then 2 capsules (3 mg) at bedtime ...". The prescriber's sentences
    that give no dose ("Shake well.") follow it; None when the directions are not a readable
    titration, a step is not whole capsules, or a sentence giving doses says more than the
    schedule (then the prescriber's words are printed)."""
    try:
        form = DosageForm(sig.dosage_form)
    except ValueError:
        return None
    strength = Amount(sig.strength_mg, "mg", "mg", per=sig.strength_per)
    steps = titrations.schedule(sig.text, form, strength, sig.times_per_day)
    verb, _, _, route = FORMS.get(sig.dosage_form, ("Take", None, None, ""))
    when = titrations.time_of_day(sig.time_of_day, sig.text)
    sentence = titrations.directions_for(steps, verb=verb, route=route, time_of_day=when)
    if sentence is None:
        return None
    extra = []
    for part in SENTENCE.split(written):
        if not read.amounts(part) and not read.is_titration(part):
            extra.append(part)
        elif not _schedule_covers(part, sig.dosage_form, sentence, steps, when):
            return None
    return " ".join([sentence + ("." if extra else ""), *extra])


def _schedule_covers(
    written: str,
    form: str,
    sentence: str,
    steps: tuple[titrations.ScheduleStep, ...],
    when: str,
) -> bool:
    """True when every word and number of this written sentence is one the label's schedule
    sentence also says (in its own words or as a step's length)."""
    said = _tokens(sentence)
    words = {t for t in said if not _is_number(t)} | FILLER_WORDS | STEP_WORDS
    words |= FORM_WORDS.get(form, set()) | TIME_WORDS.get(when, set())
    numbers = {_number(t) for t in said if _is_number(t)}
    for step in steps:
        words |= _frequency_words(step.times_per_day)
        numbers.add(Decimal(step.times_per_day))
        if step.days is not None:
            numbers |= {Decimal(step.days), Decimal(step.days) / 7}
    for token in _tokens(written):
        allowed = _number(token) in numbers if _is_number(token) else token in words
        if not allowed:
            return False
    return True


def plain_directions(sig: Sig) -> str | None:
    """ "Take 1 capsule (4.5 mg) by mouth at bedtime" from the worked-out dose; None when the
    dose could not be worked out. A dose that is not a whole number of capsules is given in
    mg ("Take 2 mg ..."): a label never asks for 1.333 capsules."""
    if sig.mg_per_dose is None:
        return None
    verb, one, many, route = FORMS.get(sig.dosage_form, ("Take", None, None, ""))
    mg = _plain(sig.mg_per_dose)
    count = sig.mg_per_dose / sig.strength_mg if sig.strength_mg else None
    if one is not None and count is not None and count == count.to_integral_value():
        amount = f"{_plain(count)} {one if count == 1 else many} ({mg} mg)"
    elif one is None and sig.ml_per_dose is not None:
        amount = f"{_plain(sig.ml_per_dose)} mL ({mg} mg)"
    elif one is None and sig.strength_per == "g" and count is not None:
        amount = f"{_plain(count)} g ({mg} mg)"  # a cream by weight: grams of cream
    else:
        amount = f"{mg} mg"
    # One time of day cannot place two or more doses ("twice a day, at bedtime" contradicts
    # itself): it is said only for a once-a-day dose. The prescriber's own words, printed
    # instead when they name the times, carry split timing.
    when = TIMES.get(_time_of_day(sig), "")
    timing = when if sig.times_per_day == 1 and when else _frequency(sig.times_per_day)
    return f"{verb} {amount} {route} {timing}".replace("  ", " ").strip()


def _says_nothing_more(written: str, sig: Sig, plain: str) -> bool:
    """True when every word and number of the prescriber's text is one the plain line (or
    the structured fields behind it) also says. Any other word keeps the prescriber's text."""
    said = _tokens(plain)
    allowed_words = {t for t in said if not _is_number(t)} | FILLER_WORDS
    allowed_words |= FORM_WORDS.get(sig.dosage_form, set())
    allowed_words |= _frequency_words(sig.times_per_day)
    if sig.times_per_day == 1:
        allowed_words |= TIME_WORDS.get(_time_of_day(sig), set())
    allowed_numbers = {_number(t) for t in said if _is_number(t)} | {Decimal(sig.times_per_day)}
    for token in _tokens(written):
        if _is_number(token):
            if _number(token) not in allowed_numbers:
                return False
        elif token not in allowed_words:
            return False
    return True


def _tokens(text: str) -> list[str]:
    tokens = []
    for raw in TOKEN.findall(text.casefold()):
        token = NUMBER_WORDS.get(raw, raw)
        tokens.append(SINGULAR.get(token, token))
    return tokens


def _frequency_words(times: int) -> set[str]:
    words = {"daily", "day"}
    if times == 1:
        return words | {"once"}
    if times == 2:
        return words | {"twice", "times"}
    return words | {"times"}


def _frequency(times: int) -> str:
    return FREQUENCY.get(times, f"{times} times a day")


def _time_of_day(sig: Sig) -> str:
    return sig.time_of_day.strip().casefold()


def _is_number(token: str) -> bool:
    return token[0].isdigit() or token[0] == "."


def _number(token: str) -> Decimal | None:
    try:
        return Decimal(token).normalize()
    except InvalidOperation:
        return None


def _plain(value: Decimal) -> str:
    value = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP).normalize()
    return format(value, "f")
