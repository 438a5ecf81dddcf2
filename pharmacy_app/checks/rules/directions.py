"""Reading the prescriber's written directions: how often, how much, and titration steps.

The structured sig (dose, times per day) is what the checker judges; the written text is what
the prescriber meant and what the label may carry. This module reads the text conservatively:
it answers only when the text says one clear thing, so the supply rule can tell a pharmacist
when the two disagree ("twice daily" written, once a day entered) and can count a titration
("1.5 mg for 14 days, then 3 mg") instead of calling its quantity excessive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from ...units import MCG_PER_MG
from ..amounts import ML, Amount
from ..document import DosageForm
from .text import normalize

# Frequencies as sigs write them, longest first so "twice daily" is not read as "daily".
_FREQUENCIES: tuple[tuple[str, int], ...] = (
    (r"four times (?:a |per |each )?day|4 times (?:a |per )?day|4x (?:a |per )?day|4x daily|"
     r"qid|q i d|q6h|q 6 h|every 6 hours", 4),
    (r"three times (?:a |per |each )?day|3 times (?:a |per )?day|3x (?:a |per )?day|"
     r"3x daily|three times daily|3 times daily|tid|t i d|q8h|q 8 h|every 8 hours", 3),
    (r"twice (?:a |per |each )?day|twice daily|two times (?:a |per )?day|2 times (?:a |per )?day|"
     r"2x (?:a |per )?day|2x daily|two times daily|2 times daily|bid|b i d|q12h|q 12 h|"
     r"every 12 hours|morning and (?:at )?(?:bedtime|night|evening)|am and pm", 2),
    (r"once (?:a |per |each )?day|once daily|one time (?:a |per )?day|1 time (?:a |per )?day|"
     r"daily|qd|q d|qhs|q hs|hs|at bedtime|bedtime|nightly|every night|each night|"
     r"every evening|every morning|each morning|qam|q am|qpm|q pm|at night|in the morning", 1),
)  # fmt: skip
_FREQUENCY = re.compile(
    r"(?<!\S)(?:" + "|".join(f"(?P<f{i}>{p})" for i, (p, _) in enumerate(_FREQUENCIES)) + r")(?!\S)"
)
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "half": "0.5"}
# An amount taken: "1 capsule", "2 caps", "4.5 mL", "3 mg" (normalize() has split "4.5" into
# "4 5", so decimals are read from the written text instead).
_AMOUNT = re.compile(
    r"(?<![\w.\-/])(?<!- )(\d+(?:\.\d+)?|one|two|three|four|five|half)\s*"
    r"(capsules?|caps?|tablets?|tabs?|ml|mls|cc|mg|mcg|drops?|clicks?|pumps?)\b",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"(?:for|x|times)\s*(\d+|one|two|three|four|five)\s*(days?|d|weeks?|wks?|w)\b",
    re.IGNORECASE,
)
_STEP_BREAK = re.compile(r"\bthen\b|\bafter that\b|\bincrease to\b|;", re.IGNORECASE)
_TITRATION_WORDS = frozenset({"then", "increase", "increasing", "titrate", "titration", "taper"})


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the directions: an amount per dose (as written) for some days (None for
    "until finished")."""

    amount: Decimal
    unit: str  # "capsule", "mL", "mg", "mcg", "drop", "click"
    days: int | None
    times_per_day: int | None = None  # as the step states it ("twice daily"), if it does
    in_weeks: bool = False  # its duration was written in weeks ("x 2 weeks")


@lru_cache(maxsize=4096)
def times_per_day(written: str) -> int | None:
    """The one frequency the text states, or None when it states none or several."""
    found = {
        times
        for match in _FREQUENCY.finditer(normalize(written))
        for i, (_, times) in enumerate(_FREQUENCIES)
        if match[f"f{i}"]
    }
    return found.pop() if len(found) == 1 else None


# Dosing on some days only: a day's share of a dose (every other day is half a dose a day).
_SOME_DAYS: tuple[tuple[re.Pattern[str], Decimal], ...] = (
    (re.compile(r"\b(?:qod|q o d|every other (?:day|night|evening|morning)|alternate days)\b"),
     Decimal(1) / 2),
    (re.compile(r"\b(?:three times (?:a|per) week|3 times (?:a|per) week|3x (?:a |per )?week|"
                r"tiw|mwf|mon wed fri)\b"), Decimal(3) / 7),
    (re.compile(r"\b(?:twice (?:a|per) week|2 times (?:a|per) week|2x (?:a |per )?week|biw)\b"),
     Decimal(2) / 7),
    (re.compile(r"\b(?:m f|mon fri|monday (?:to|through|thru) friday|weekdays|5 days (?:a|per) "
                r"week|5 days on)\b"), Decimal(5) / 7),
    (re.compile(r"\b(?:once (?:a|per) week|weekly|qw|q week)\b"), Decimal(1) / 7),
)  # fmt: skip


@lru_cache(maxsize=4096)
def days_share(written: str) -> Decimal | None:
    """The share of days a dose is taken on when the directions say some days only
    (every other night: 1/2; Monday to Friday: 5/7); None for every day or unstated."""
    text = normalize(written)
    found = {share for pattern, share in _SOME_DAYS if pattern.search(text)}
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=4096)
def duration_days(written: str) -> int | None:
    """The one duration the directions give ("x 90d", "for 30 days"), if exactly one."""
    found = {_days(m) for m in _DURATION.finditer(written)}
    return found.pop() if len(found) == 1 else None


@lru_cache(maxsize=4096)
def is_titration(written: str) -> bool:
    return bool(_TITRATION_WORDS.intersection(normalize(written).split()))


@lru_cache(maxsize=4096)
def amounts(written: str) -> tuple[tuple[Decimal, str], ...]:
    """Every amount the text names, as (number, unit)."""
    return tuple(
        (Decimal(_NUMBER_WORDS.get(m[1].lower(), m[1])), _unit(m[2]))
        for m in _AMOUNT.finditer(written)
    )


@lru_cache(maxsize=4096)
def steps(written: str) -> tuple[Step, ...]:
    """The titration steps, each with its amount and duration; empty when any step cannot be
    read (no amount, or a duration missing before the last step)."""
    read: list[Step] = []
    parts = [p for p in _STEP_BREAK.split(written) if p.strip()]
    for index, part in enumerate(parts):
        named = amounts(part)
        if not named:
            return ()
        duration = _DURATION.search(part)
        days = _days(duration) if duration else None
        if days is None and index < len(parts) - 1:
            return ()
        weeks = duration is not None and duration[2].lower().startswith("w")
        read.append(Step(named[0][0], named[0][1], days, times_per_day(part), weeks))
    return tuple(read)


def _unit(written: str) -> str:
    word = written.lower().rstrip("s")
    if word in ("capsule", "cap", "tablet", "tab"):
        return "capsule"
    if word in ("ml", "cc"):
        return "mL"
    if word in ("pump", "click"):
        return "click"
    return word


def _days(found: re.Match[str]) -> int:
    count = int(_NUMBER_WORDS.get(found[1].lower(), found[1]))
    return count * 7 if found[2].lower().startswith("w") else count


def mg_in(form: DosageForm, strength: Amount, amount: Decimal, unit: str) -> Decimal | None:
    """Milligrams of naltrexone in `amount` `unit` of a preparation of this form and strength,
    if it can be said ("2 caps" of 4.5 mg capsules: 9 mg; "3 mL" of 1 mg/mL: 3 mg)."""
    if unit == "mg":
        return amount
    if unit == "mcg":
        return amount / MCG_PER_MG
    if unit == "capsule" and form is DosageForm.CAPSULE:
        return amount * strength.value
    if unit == "mL" and strength.per == ML:
        return amount * strength.value
    return None


def most_mg_a_dose(written: str, form: DosageForm, strength: Amount) -> Decimal | None:
    """The largest dose the written directions name, in mg ("may increase to 2 caps")."""
    named = [mg for amount, unit in amounts(written) if (mg := mg_in(form, strength, amount, unit))]
    return max(named, default=None)


def wrong_form_units(written: str, form: DosageForm) -> list[str]:
    """Units the directions give that the preparation cannot be measured in: mL or drops on
    a capsule order, capsules on a liquid."""
    wrong = {"mL", "drop", "click"} if form is DosageForm.CAPSULE else {"capsule"}
    return sorted({unit for _, unit in amounts(written) if unit in wrong})
