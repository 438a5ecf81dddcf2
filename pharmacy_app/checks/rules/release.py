"""Release type: LDN is compounded immediate release only.

The LDN Research Trust tells pharmacies never to supply SR, slow-release or timed-release
LDN; slow release does not work the same way (shared/domain/ldn.md, "Formulation").
"""

from __future__ import annotations

from ..document import OrderDocument
from ..findings import Finding, Severity
from .text import find_phrase, is_negated, normalize

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


def check(document: OrderDocument) -> list[Finding]:
    """Findings on the release type as written, and on release words elsewhere in the sig."""
    findings = _release_as_written(document.preparation.release)
    for field, written in (
        ("sig.text", document.sig.text),
        ("sig.time_of_day", document.sig.time_of_day),
    ):
        text = normalize(written).replace("released", "release")
        hit = find_phrase(text, MODIFIED_IN_PROSE) if text else None
        if hit and not is_negated(text, hit[1]):
            findings.append(
                Finding(
                    "release.modified_in_sig",
                    Severity.WARN,
                    field,
                    f'The directions mention "{hit[0]}". LDN is compounded immediate release '
                    "only; confirm with the prescriber that no slow-release product is "
                    "intended.",
                )
            )
    return findings


def _release_as_written(written: str) -> list[Finding]:
    # "time released", "sustained-released": read the past participle as the noun.
    text = normalize(written).replace("released", "release")
    if not written.strip():
        return [
            Finding(
                "release.unstated",
                Severity.INFO,
                FIELD,
                "No release type written; LDN is compounded as immediate release.",
            )
        ]
    modified = find_phrase(text, MODIFIED)
    if modified and not is_negated(text, modified[1]):
        return [
            Finding(
                "release.modified",
                Severity.BLOCK,
                FIELD,
                f'"{written}" is a modified (slow, sustained, extended or delayed) release. '
                "LDN must be immediate release: slow release does not work the same way and the "
                "LDN Research Trust advises pharmacies never to supply it. Contact the prescriber.",
            )
        ]
    immediate = find_phrase(text, IMMEDIATE)
    if immediate and not is_negated(text, immediate[1]):
        return []
    if modified:
        return [
            Finding(
                "release.ambiguous",
                Severity.WARN,
                FIELD,
                f'"{written}" negates a slow-release term but does not say immediate release. '
                "Confirm immediate release with the prescriber.",
            )
        ]
    return [
        Finding(
            "release.unrecognized",
            Severity.WARN,
            FIELD,
            f'"{written}" cannot be read as immediate release. LDN is compounded immediate release '
            "only; confirm the release type with the prescriber.",
        )
    ]
