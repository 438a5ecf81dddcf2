"""A titration schedule in the preparation's own units: what each step is (capsules or mL, and
mg), for how long, and what the whole schedule needs for the days supply; and the label's
sentence for it.

USP <17> asks for explicit directions in plain words with numerals: a patient following a
schedule must read at each step how many capsules (or mL) to take, how and when. The steps
are read by `rules.directions.steps`; the supply rule counts the quantity with the same
`needs` the order page shows, so the two never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .amounts import ML, Amount
from .document import DosageForm
from .rules import directions
from .rules.text import normalize

# "at bedtime", "in the morning": said only for a step taken once a day, since one time of day
# cannot place two doses (the same rule as the label's plain line).
TIMES = {"bedtime": "at bedtime", "morning": "in the morning", "evening": "in the evening"}
FREQUENCY = {1: "once a day", 2: "twice a day"}
# A time of day as sigs write it (normalize()d text), for orders whose time-of-day field is
# empty. "night" is bedtime on an LDN sig (the usual dose is taken at bedtime).
_TIME_WORDS = {
    "bedtime": re.compile(r"\b(?:at bedtime|bedtime|qhs|q hs|nightly|at night|every night|"
                          r"each night|before bed)\b"),
    "morning": re.compile(r"\b(?:in the morning|every morning|each morning|qam|q am)\b"),
    "evening": re.compile(r"\b(?:in the evening|every evening|each evening|qpm|q pm)\b"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScheduleStep:
    """One step: `units` of the preparation a dose (capsules, mL or g) holding `mg`, taken
    `times_per_day`, for `days` (None: the last step, open-ended)."""

    units: Decimal
    unit: str  # "capsule", "mL" or "g"
    mg: Decimal
    times_per_day: int
    days: int | None
    in_weeks: bool = False

    @property
    def whole(self) -> bool:
        return self.unit != "capsule" or self.units == self.units.to_integral_value()

    @property
    def dose(self) -> str:
        """ "1 capsule (1.5 mg)", "2 capsules (3 mg)", "1.5 mL (1.5 mg)"."""
        if self.unit == "capsule":
            name = "capsule" if self.units == 1 else "capsules"
        else:
            name = self.unit
        return f"{_plain(self.units)} {name} ({_plain(self.mg)} mg)"

    @property
    def duration(self) -> str | None:
        """ "2 weeks", "14 days", "1 week"; None for an open-ended step."""
        if self.days is None:
            return None
        if self.in_weeks and self.days % 7 == 0:
            count, word = self.days // 7, "week"
        else:
            count, word = self.days, "day"
        return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True, slots=True)
class Needs:
    """What a schedule needs over the days supply: `units` of the preparation over `days`."""

    units: Decimal
    unit: str
    days: int


def schedule(
    text: str,
    form: DosageForm,
    strength: Amount,
    times_per_day: int,
) -> tuple[ScheduleStep, ...]:
    """The titration written in `text` as steps in the preparation's units; empty when the
    text is not a titration of two or more readable steps, or a step's amount cannot be put
    in this preparation's units (drops, clicks). A step that states no frequency takes the
    order's `times_per_day`."""
    if not directions.is_titration(text):
        return ()
    read = directions.steps(text)
    if len(read) < 2:
        return ()
    unit = _unit(form, strength)
    if unit is None or not strength.value:
        return ()
    found: list[ScheduleStep] = []
    for step in read:
        mg = directions.mg_in(form, strength, step.amount, step.unit)
        if mg is None:
            return ()
        found.append(
            ScheduleStep(
                units=mg / strength.value,
                unit=unit,
                mg=mg,
                times_per_day=step.times_per_day or times_per_day,
                days=step.days,
                in_weeks=step.in_weeks,
            )
        )
    return tuple(found)


def needs(steps: tuple[ScheduleStep, ...], days_supply: int) -> Needs | None:
    """Units the schedule needs over the days supply (an open-ended last step runs to its
    end), and over how many days; None when the steps alone outlast the days supply, or
    there are none."""
    lengths = step_lengths(steps, days_supply)
    if not steps or 0 in lengths:
        return None
    total = sum(
        (step.units * step.times_per_day * days for step, days in zip(steps, lengths, strict=True)),
        Decimal(0),
    )
    days = sum(lengths)
    return Needs(total, "capsules" if steps[0].unit == "capsule" else steps[0].unit, days)


def directions_for(
    steps: tuple[ScheduleStep, ...], *, verb: str, route: str, time_of_day: str
) -> str | None:
    """The label's sentence for the schedule: "Take 1 capsule (1.5 mg) by mouth at bedtime
    for 2 weeks, then 2 capsules (3 mg) at bedtime for 2 weeks, then 3 capsules (4.5 mg) at
    bedtime". The route is said once, at the first step; the time (or frequency) at every
    step. None when there are no steps or a step is not whole capsules: a label never asks
    for part of a capsule (the supply rule warns of it)."""
    if not steps or not all(step.whole for step in steps):
        return None
    said = []
    for index, step in enumerate(steps):
        words = [step.dose, route if index == 0 else "", timing(step, time_of_day)]
        if step.duration:
            words.append(f"for {step.duration}")
        said.append(" ".join(w for w in words if w))
    return f"{verb} " + ", then ".join(said)


def timing(step: ScheduleStep, time_of_day: str) -> str:
    """When a step's doses are taken: "at bedtime" for a once-a-day step with a time of day,
    otherwise how often ("once a day", "twice a day")."""
    when = TIMES.get(time_of_day) if step.times_per_day == 1 else None
    return when or FREQUENCY.get(step.times_per_day, f"{step.times_per_day} times a day")


def step_lengths(steps: tuple[ScheduleStep, ...], days_supply: int) -> tuple[int, ...]:
    """Each step's days, an open-ended last step running to the end of the days supply
    (0 when the steps before it already use it up)."""
    known = sum(step.days or 0 for step in steps)
    return tuple(
        step.days if step.days is not None else max(days_supply - known, 0) for step in steps
    )


def time_of_day(stated: str, text: str) -> str:
    """The order's time of day: its field when filled in, otherwise the one the directions
    name ("nightly": bedtime)."""
    return stated.strip().casefold() or time_of_day_in(text)


def time_of_day_in(text: str) -> str:
    """The one time of day the directions name ("bedtime", "morning", "evening"), or "" when
    they name none or several."""
    written = normalize(text)
    found = [time for time, pattern in _TIME_WORDS.items() if pattern.search(written)]
    return found[0] if len(found) == 1 else ""


def _unit(form: DosageForm, strength: Amount) -> str | None:
    if form is DosageForm.CAPSULE:
        return "capsule"
    if strength.per == ML:
        return "mL"
    if strength.per == "g":
        return "g"
    return None


def _plain(value: Decimal) -> str:
    value = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP).normalize()
    return format(value, "f")
