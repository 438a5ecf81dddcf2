"""Interactions with the patient's medicines: opioids block, other antagonists duplicate.

LDN blocks opioid receptors, so a patient on an opioid (pain, cough, diarrhoea or addiction
treatment) loses its effect or goes into withdrawal (shared/domain/ldn.md, "Who must not
take it"). Names are matched as whole words, so "cod liver oil" is not codeine and
"oxybutynin" is not oxycodone.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from ..document import OrderDocument
from ..findings import Finding, Severity
from .text import find_phrase, is_negated, is_past, normalize
from .vocabulary import (
    ANTAGONISTS,
    IMMUNOSUPPRESSANTS,
    LDN_NAMES,
    OPIOID_BRANDS,
    OPIOID_GENERICS,
    PERIPHERAL_OPIOIDS,
)

_BRANDS_BY_LENGTH = tuple(sorted(OPIOID_BRANDS, key=len, reverse=True))
_ANTAGONISTS_BY_LENGTH = tuple(sorted(ANTAGONISTS, key=len, reverse=True))
_PERIPHERAL = tuple(PERIPHERAL_OPIOIDS)
_NOT_TAKING = frozenset({"naive", "free", "none", "abstinent"})


def check(document: OrderDocument) -> list[Finding]:
    """One finding per medicine that matters, at `patient.medications[i]`."""
    findings: list[Finding] = []
    for index, written in enumerate(document.patient.medications):
        finding = _medicine(written, f"patient.medications[{index}]")
        if finding is not None:
            findings.append(finding)
    # Opioid use is sometimes written among the conditions ("chronic pain on oxycodone",
    # "opioid use disorder on methadone"): it matters as much there.
    for index, written in enumerate(document.patient.conditions):
        finding = _medicine(written, f"patient.conditions[{index}]", opioids_only=True)
        if finding is not None:
            findings.append(finding)
    return findings


@lru_cache(maxsize=4096)
def _medicine(written: str, field: str, opioids_only: bool = False) -> Finding | None:
    """The finding on one medicine line; with `opioids_only` (a condition's text) only
    opioid use is looked for."""
    text = normalize(written)
    if not text:
        return None
    opioid = _opioid_in(text)
    if opioid is not None:
        name, at = opioid
        if is_negated(text, at):
            return None
        if is_past(text):
            return Finding(
                "interaction.opioid_past",
                Severity.WARN,
                field,
                f'"{written}" is an opioid ({name}) listed as stopped. Confirm the patient no '
                "longer takes it: LDN blocks opioids and can bring on withdrawal.",
            )
        return Finding(
            "interaction.opioid",
            Severity.BLOCK,
            field,
            f'"{written}" is an opioid ({name}). LDN blocks opioid receptors: it stops the '
            "opioid working and can bring on withdrawal. Do not compound while the patient "
            "takes opioids; contact the prescriber.",
        )
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
    peripheral = find_phrase(text, _PERIPHERAL)
    if peripheral is not None:
        return Finding(
            "interaction.peripheral_opioid",
            Severity.WARN,
            field,
            f'"{written}" ({PERIPHERAL_OPIOIDS[peripheral[0]]}) acts on opioid receptors in the '
            "gut; LDN may reduce its effect. Let the pharmacist confirm.",
        )
    if find_phrase(text, LDN_NAMES) is not None:
        return Finding(
            "interaction.ldn_already",
            Severity.WARN,
            field,
            f'The patient already lists "{written}". Confirm this order is a renewal or '
            "transfer and not a second supply of LDN.",
        )
    antagonist = find_phrase(text, _ANTAGONISTS_BY_LENGTH)
    if antagonist is not None:
        return Finding(
            "interaction.duplicate_antagonist",
            Severity.WARN,
            field,
            f'"{written}" is an opioid antagonist ({ANTAGONISTS[antagonist[0]]}); with LDN this '
            "is duplicate therapy. Confirm with the prescriber.",
        )
    if IMMUNOSUPPRESSANTS.intersection(text.split()):
        return Finding(
            "interaction.immunosuppressant",
            Severity.WARN,
            field,
            f'"{written}" is an immunosuppressant. LDN modulates the immune system; its use '
            "with transplant or immunosuppressive therapy needs the prescriber's confirmation.",
        )
    return None


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


def _misspelt_opioid(text: str) -> tuple[str, str] | None:
    """(word, opioid) when a word is one letter away from an opioid's name."""
    for word in text.split():
        candidates = _CANDIDATES_BY_START.get(word[:2])
        if candidates is None or len(word) < 6:
            continue
        match = process.extractOne(
            word, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=1
        )
        if match is not None:
            return word, OPIOID_BRANDS.get(match[0], match[0])
    return None


def _opioid_in(text: str) -> tuple[str, int] | None:
    """The opioid a medicine line names (generic, brand or combination) and where."""
    words = text.split()
    for at, word in enumerate(words):
        if word in OPIOID_GENERICS:
            if words[at + 1 : at + 2] and words[at + 1] in _NOT_TAKING:
                continue  # "opioid-naive", "opioid free": says the patient takes none
            return word, at

    brand = find_phrase(text, _BRANDS_BY_LENGTH)
    if brand is not None:
        return f"{OPIOID_BRANDS[brand[0]]}, as {brand[0].title()}", brand[1]
    return None
