"""Interactions with the patient's medicines: opioids block, other antagonists duplicate.

LDN blocks opioid receptors, so a patient on an opioid (pain, cough, diarrhoea or addiction
treatment) loses its effect or goes into withdrawal (shared/domain/ldn.md, "Who must not
take it"). Names are matched as whole words, so "cod liver oil" is not codeine and
"oxybutynin" is not oxycodone.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from ..document import OrderDocument
from ..findings import Finding, Severity
from .text import Standing, Text, find_phrase, mentions, phrase_pattern, read
from .vocabulary import (
    ANTAGONISTS,
    IMMUNOSUPPRESSANTS,
    LDN_NAMES,
    OPIOID_BRANDS,
    OPIOID_CLASS_WORDS,
    OPIOID_GENERICS,
    PERIPHERAL_ANTAGONISTS,
    PERIPHERAL_OPIOIDS,
    RESCUE_ANTAGONISTS,
)

_BRANDS = phrase_pattern(sorted(OPIOID_BRANDS, key=len, reverse=True))
_ANTAGONISTS_BY_LENGTH = tuple(sorted(ANTAGONISTS, key=len, reverse=True))
_PERIPHERAL = tuple(PERIPHERAL_OPIOIDS)
_NOT_TAKING = frozenset({"naive", "free", "none", "abstinent"})


def check(document: OrderDocument, today: dt.date) -> list[Finding]:
    """One finding per medicine that matters on `today`, at `patient.medications[i]`."""
    findings: list[Finding] = []
    for index, written in enumerate(document.patient.medications):
        finding = _medicine(written, f"patient.medications[{index}]", today)
        if finding is not None:
            findings.append(finding)
    # Opioid use is sometimes written among the conditions ("chronic pain on oxycodone",
    # "opioid use disorder on methadone"): it matters as much there.
    for index, written in enumerate(document.patient.conditions):
        finding = _medicine(written, f"patient.conditions[{index}]", today, opioids_only=True)
        if finding is not None:
            findings.append(finding)
    return findings


@lru_cache(maxsize=4096)
def _medicine(
    written: str, field: str, today: dt.date, opioids_only: bool = False
) -> Finding | None:
    """The finding on one medicine line; with `opioids_only` (a condition's text) only
    opioid use is looked for. Every opioid named in the line is read, and the one that
    stands strongest decides: taken now blocks, stopped or doubtful warns."""
    text = read(written)
    if not text.normalized:
        return None
    opioid = _strongest_opioid(text, today)
    if opioid is not None:
        return _opioid_finding(opioid[0], opioid[1], written, field)
    misspelt = _misspelt_opioid(text)
    if misspelt is not None:
        return Finding(
            "interaction.opioid_spelling",
            Severity.WARN,
            field,
            f'"{written}" looks like a misspelling of {misspelt[1]} ("{misspelt[0]}"), an '
            "opioid. Confirm what the patient takes: LDN must not be taken with opioids.",
        )
    if opioids_only:
        return None
    normalized = text.normalized
    peripheral = find_phrase(normalized, _PERIPHERAL)
    if peripheral is not None:
        return Finding(
            "interaction.peripheral_opioid",
            Severity.WARN,
            field,
            f'"{written}" ({PERIPHERAL_OPIOIDS[peripheral[0]]}) acts on opioid receptors in the '
            "gut; LDN may reduce its effect. Let the pharmacist confirm.",
        )
    if find_phrase(normalized, LDN_NAMES) is not None:
        return Finding(
            "interaction.ldn_already",
            Severity.WARN,
            field,
            f'The patient already lists "{written}". Confirm this order is a renewal or '
            "transfer and not a second supply of LDN.",
        )
    antagonist = find_phrase(normalized, _ANTAGONISTS_BY_LENGTH)
    if antagonist is not None:
        return _antagonist_finding(antagonist[0], written, field)
    if IMMUNOSUPPRESSANTS.intersection(text.words):
        return Finding(
            "interaction.immunosuppressant",
            Severity.WARN,
            field,
            f'"{written}" is an immunosuppressant. LDN modulates the immune system; its use '
            "with transplant or immunosuppressive therapy needs the prescriber's confirmation.",
        )
    return None


def _opioid_finding(standing: Standing, name: str, written: str, field: str) -> Finding:
    what = (
        f"says the patient uses opioids ({name})"
        if name in OPIOID_CLASS_WORDS
        else f"is an opioid ({name})"
    )
    if standing is Standing.PAST:
        return Finding(
            "interaction.opioid_past",
            Severity.WARN,
            field,
            f'"{written}" {what}, written as past use. Confirm the patient no longer takes '
            "any opioid: LDN blocks opioids and can bring on withdrawal.",
        )
    if standing is Standing.DOUBTFUL:
        return Finding(
            "interaction.opioid_unconfirmed",
            Severity.WARN,
            field,
            f'"{written}" {what}, in a list that a negation may cover. Confirm whether the '
            "patient takes it: LDN blocks opioids and can bring on withdrawal.",
        )
    return Finding(
        "interaction.opioid",
        Severity.BLOCK,
        field,
        f'"{written}" {what}. LDN blocks opioid receptors: it stops the opioid working and '
        "can bring on withdrawal. Do not compound while the patient takes opioids; contact "
        "the prescriber.",
    )


def _antagonist_finding(found: str, written: str, field: str) -> Finding:
    generic = ANTAGONISTS[found]
    if generic in RESCUE_ANTAGONISTS:
        why = (
            "a rescue medicine for opioid overdose. Its presence suggests opioid use or risk: "
            "confirm the patient takes no opioids."
        )
    elif generic in PERIPHERAL_ANTAGONISTS:
        why = (
            "given for opioid-induced constipation, so the patient may be taking an opioid. "
            "Confirm the patient takes no opioids."
        )
    else:
        why = "with LDN this is duplicate therapy. Confirm with the prescriber."
    return Finding(
        "interaction.duplicate_antagonist",
        Severity.WARN,
        field,
        f'"{written}" is an opioid antagonist ({generic}): {why}',
    )


# Spelling slips are looked for only in names long enough that one wrong letter still
# leaves them unmistakable (checked against common non-opioids in the tests).
_SPELLING_CANDIDATES = sorted(
    {n for n in OPIOID_GENERICS if len(n) >= 6}
    | {b for b in OPIOID_BRANDS if len(b) >= 7 and b.isalpha()}
)
# Candidates by their first two letters: a slip there is rare, and this keeps the fuzzy
# comparison off the hot path for most words.
_CANDIDATES_BY_START: dict[str, tuple[str, ...]] = {}
for _name in _SPELLING_CANDIDATES:
    _CANDIDATES_BY_START[_name[:2]] = (*_CANDIDATES_BY_START.get(_name[:2], ()), _name)


def _misspelt_opioid(text: Text) -> tuple[str, str] | None:
    """(word, opioid) when a word is one letter away from an opioid's name, and not
    negated ("no opiods" says the patient takes none)."""
    for at, word in enumerate(text.words):
        candidates = _CANDIDATES_BY_START.get(word[:2])
        if candidates is None or len(word) < 6 or word in OPIOID_GENERICS:
            continue
        match = process.extractOne(
            word, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=1
        )
        if match is not None and match[1] == 1 and not text.denied(at):
            return word, OPIOID_BRANDS.get(match[0], match[0])
    return None


# A number after "Tylenol" names Tylenol #3 or #4, unless it counts doses: "Tylenol 3 times
# a day".
_DOSE_COUNTS = frozenset({"times", "x", "per", "daily", "day", "hourly", "hrs", "hours", "h"})


def _strongest_opioid(text: Text, today: dt.date) -> tuple[Standing, str] | None:
    """The opioid the line names (generic, brand or combination) that stands strongest,
    as (standing, name for the message); None when all are denied or there are none."""
    best: tuple[Standing, str] | None = None
    for name, start, end in _opioids_named(text):
        standing = text.standing(start, end, today=today)
        if standing is not Standing.DENIED and (best is None or standing > best[0]):
            best = (standing, name)
    return best


# After an opioid's name, words that make it an allergy, not use ("Codeine (allergy)").
_ALLERGIC = frozenset({"allergy", "allergic", "allergies", "intolerance", "intolerant"})
# One-word brands, to read their plurals ("Norcos", "Percocets").
_ONE_WORD_BRANDS = frozenset(b for b in OPIOID_BRANDS if " " not in b)


def _opioids_named(text: Text) -> list[tuple[str, int, int]]:
    words = text.words
    named = []
    for at, word in enumerate(words):
        following = words[at + 1 : at + 2]
        if word in OPIOID_GENERICS:
            # "opioid-naive", "codeine free": says the patient takes none
            if not (following and following[0] in _NOT_TAKING):
                named.append((word, at, at + 1))
        elif word.endswith("s") and word[:-1] in _ONE_WORD_BRANDS:
            named.append((f"{OPIOID_BRANDS[word[:-1]]}, as {word[:-1].title()}", at, at + 1))
        elif word == "oxy" and following and following[0][:1].isdigit():
            named.append(("oxycodone, as Oxy", at, at + 1))  # "Oxy 5mg q6h"
    for match, start, end in mentions(text, _BRANDS):
        brand = match[0]
        if brand[-1].isdigit() and words[end : end + 1] and words[end] in _DOSE_COUNTS:
            continue
        named.append((f"{OPIOID_BRANDS[brand]}, as {brand.title()}", start, end))
    return [(name, s, e) for name, s, e in named if not _ALLERGIC.intersection(words[e : e + 2])]
