"""Release type: LDN is compounded immediate release only.

The LDN Research Trust tells pharmacies never to supply SR, slow-release or timed-release
LDN; slow release does not work the same way (shared/domain/ldn.md, "Formulation").
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..document import DosageForm, OrderDocument
from ..findings import Finding, Severity
from .text import Text, mentions, phrase_pattern, read

FIELD = "preparation.release"

# How prescriptions write immediate release, after normalize() ("I.R." -> "i r").
IMMEDIATE = (
    "immediate release",
    "immediate",
    "instant release",
    "instant",
    "ir",
    "i r",
    "irc",
    "non sustained",
    "non extended",
    "fast release",
    "rapid release",
    "quick release",
    "immed rel",
    "immed release",
    "immediate rel",
    "imm rel",
)
# Every way of writing a modified release seen on prescriptions, after normalize().
MODIFIED = (
    "sustained release",
    "sustained",
    "slow release",
    "slow",
    "extended release",
    "extended",
    "controlled release",
    "controlled",
    "delayed release",
    "delayed",
    "modified release",
    "modified",
    "timed release",
    "time release",
    "timed",
    "prolonged release",
    "prolonged",
    "long acting",
    "slow acting",
    "retard",
    "depot",
    "enteric coated",
    "enteric",
    "sr",
    "s r",
    "er",
    "e r",
    "xr",
    "x r",
    "xl",
    "x l",
    "cr",
    "c r",
    "dr",
    "d r",
    "mr",
    "m r",
    "pr",
    "la",
    "l a",
    "ec",
    "cd",
    "tr",
    "xt",
    "er ir",
)
# In free text elsewhere (the sig), only the unambiguous words: "ER" there is often the
# emergency room and "DR" a doctor.
MODIFIED_IN_PROSE = (
    "sustained release",
    "sustained",
    "slow release",
    "extended release",
    "controlled release",
    "delayed release",
    "modified release",
    "timed release",
    "time release",
    "sr",
    "xr",
    "xl",
)


# Release type means nothing for a solution or a cream; prescribers write "N/A" there.
_NOT_APPLICABLE = frozenset(
    {
        "n a",
        "na",
        "none",
        "not applicable",
        "solution",
        "suspension",
        "liquid",
        "cream",
        "topical",
        "drops",
        "oral liquid",
        "oral solution",
        "oral suspension",
    }
)
# "slow" about the dosing, not the release: "IR - slow titration", "slow taper".
_SLOW_DOSING = frozenset(
    {
        "titration",
        "titrate",
        "titrating",
        "taper",
        "tapering",
        "increase",
        "increases",
        "start",
        "up",
        "dosing",
        "dose",
        "escalation",
        "wean",
    }
)
_MODIFIED = phrase_pattern(MODIFIED)
_IMMEDIATE = phrase_pattern(IMMEDIATE)
_MODIFIED_IN_PROSE = phrase_pattern(MODIFIED_IN_PROSE)


def check(document: OrderDocument) -> list[Finding]:
    """Findings on the release type as written, and on release words elsewhere in the sig."""
    findings = list(
        release_findings(document.preparation.release, document.preparation.dosage_form)
    )
    for field, written in (
        ("sig.text", document.sig.text),
        ("sig.time_of_day", document.sig.time_of_day),
    ):
        hit = _modified_in_prose(written)
        if hit is not None:
            findings.append(
                Finding(
                    "release.modified_in_sig",
                    Severity.WARN,
                    field,
                    f'The directions mention "{hit}". LDN is compounded immediate release '
                    "only; confirm with the prescriber that no slow-release product is "
                    "intended.",
                )
            )
    return findings


@lru_cache(maxsize=4096)
def _modified_in_prose(written: str) -> str | None:
    return _stated(_read(written), _MODIFIED_IN_PROSE) if written else None


_RELEASED = re.compile(r"(?i)released")


def _read(written: str) -> Text:
    # "time released", "sustained-released": read the past participle as the noun.
    return read(_RELEASED.sub("release", written))


# After "SR" or "XL", words that make it something else: "Sr. citizen", "XL bottle".
_NOT_RELEASE_AFTER = frozenset({"citizen", "citizens", "bottle", "bottles", "size", "vial"})


def _stated(text: Text, pattern: re.Pattern[str]) -> str | None:
    """The first phrase of `pattern` the text states, not negated ("non-sustained") and, for
    "slow", about the release rather than the dosing ("start low, go slow")."""
    for match, start, end in mentions(text, pattern):
        if match[0] == "slow" and (
            set(text.words[end : end + 2]) & _SLOW_DOSING
            or set(text.words[max(0, start - 2) : start]) & {"go", "and", "start", "titrate"}
        ):
            continue
        if text.words[end : end + 1] and text.words[end] in _NOT_RELEASE_AFTER:
            continue
        if not text.denied(start, end):
            return match[0]
    return None


@lru_cache(maxsize=1024)
def release_findings(written: str, form: DosageForm) -> tuple[Finding, ...]:
    text = _read(written)
    if not written.strip() or (
        form is not DosageForm.CAPSULE and text.normalized in _NOT_APPLICABLE
    ):
        return (
            Finding(
                "release.unstated",
                Severity.INFO,
                FIELD,
                "No release type written; LDN is compounded as immediate release.",
            ),
        )
    if _stated(text, _MODIFIED):
        return (
            Finding(
                "release.modified",
                Severity.BLOCK,
                FIELD,
                f'"{written}" is a modified (slow, sustained, extended or delayed) release. '
                "LDN must be immediate release: slow release does not work the same way and the "
                "LDN Research Trust advises pharmacies never to supply it. Contact the prescriber.",
            ),
        )
    if _stated(text, _IMMEDIATE):
        return ()
    if _MODIFIED.search(text.normalized):
        return (
            Finding(
                "release.ambiguous",
                Severity.WARN,
                FIELD,
                f'"{written}" negates a slow-release term but does not say immediate release. '
                "Confirm immediate release with the prescriber.",
            ),
        )
    return (
        Finding(
            "release.unrecognized",
            Severity.WARN,
            FIELD,
            f'"{written}" cannot be read as immediate release. LDN is compounded immediate release '
            "only; confirm the release type with the prescriber.",
        ),
    )
