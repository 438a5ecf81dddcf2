"""Sig shorthand written out in plain words, only where the meaning is certain.

Abbreviations on the ISMP list of error-prone abbreviations that can be read two ways are
written out only when the order's structured fields say the same thing ("qd" only for a
once-a-day dose, since it is misread as "qid"; "hs" only for a bedtime dose, since it also
means "half-strength"). Anything else that cannot be read with certainty ("qod", "1/2", "tab")
is left exactly as the prescriber wrote it: the label never loses or guesses a word."""

from __future__ import annotations

import re
from collections.abc import Callable

NUMBER_WORDS = {
    word: str(number)
    for number, word in enumerate("one two three four five six seven eight nine ten".split(), 1)
}
# Latin sig codes with one meaning (ISMP: spelled out on patient labels).
CERTAIN = {
    "po": "by mouth",
    "sl": "under the tongue",
    "qhs": "at bedtime",
    "qam": "in the morning",
    "qpm": "in the evening",
    "bid": "twice a day",
    "tid": "3 times a day",
    "qid": "4 times a day",
    "prn": "as needed",
}
# Read two ways: written out only when the structured fields agree (see the module's note).
CONFIRMED_BY = {
    "qd": ("once a day", lambda times, when: times == 1),
    "hs": ("at bedtime", lambda times, when: when == "bedtime"),
}
NUMBER = r"(\d*\.\d+|\d+)"
# Units after a number: "2 caps" -> "2 capsules", "10 gtts" -> "10 drops", "3 ml" -> "3 mL".
UNITS = {
    r"caps?|capsules?": ("capsule", "capsules"),
    r"gtts?": ("drop", "drops"),
    r"mls?": ("mL", "mL"),
}
# "x 14 days", "x14d", "x 2 wks": a duration.
DURATION = re.compile(NUMBER.join([r"\bx\s*", r"\s*(d|days?|wks?|weeks?)\b"]), flags=re.IGNORECASE)


def written_out(text: str, times_per_day: int, time_of_day: str) -> str:
    """The prescriber's text on one line, with certain shorthand in plain words and the first
    letter capitalised; "" when there is no text."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    joined = ""
    for line in filter(None, lines):
        if joined:
            joined += " " if joined[-1] in ".;:," else "; "
        joined += line
    if not joined:
        return ""
    for pattern, (one, many) in UNITS.items():
        joined = re.sub(
            NUMBER + r"\s*(?:" + pattern + r")\b", _unit(one, many), joined, flags=re.IGNORECASE
        )
    joined = DURATION.sub(_duration, joined)
    for code, plain in CERTAIN.items():
        joined = _code(code).sub(plain, joined)
    for code, (plain, agrees) in CONFIRMED_BY.items():
        if agrees(times_per_day, time_of_day):
            joined = _code(code).sub(plain, joined)
    return joined[0].upper() + joined[1:]


def _code(letters: str) -> re.Pattern[str]:
    """An abbreviation as a whole word, plain ("qhs") or with its dots ("q.h.s.")."""
    dotted = re.escape(".".join(letters) + ".")
    return re.compile(rf"(?<![\w.])(?:{dotted}|{letters}\b)", flags=re.IGNORECASE)


def _unit(one: str, many: str) -> Callable[[re.Match[str]], str]:
    def spelled(match: re.Match[str]) -> str:
        return f"{match[1]} {one if float(match[1]) == 1 else many}"

    return spelled


def _duration(match: re.Match[str]) -> str:
    count, unit = match[1], match[2].casefold()
    word = "day" if unit.startswith("d") else "week"
    return f"for {count} {word}{'' if float(count) == 1 else 's'}"
