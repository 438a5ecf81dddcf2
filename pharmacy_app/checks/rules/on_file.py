"""Prescriber on file: the prescription's prescriber against the records already kept for its
licence number.

A licence number and state name one person. A prescription that gives a licence on file for
someone else (another name, or another credential) is either a typing slip in the licence or
a prescription that is not what it says: either way the checker must not judge one person's
credential while the order, the label and the records name another. The caller looks the
records up (the checker stays pure) and passes them in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..document import OrderDocument
from ..findings import Finding, Severity
from .prescriber import (
    LIMITED_SCOPE,
    NATUROPATHS,
    NOT_PRESCRIBERS,
    PRESCRIBERS,
    credential_codes,
)
from .text import normalize

KNOWN_CREDENTIALS = PRESCRIBERS | NATUROPATHS | LIMITED_SCOPE | NOT_PRESCRIBERS
# Titles a name may carry that say nothing about who the person is.
_TITLES = frozenset({"dr", "doctor", "prof", "professor", "mr", "mrs", "ms", "mx", "miss"})
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


@dataclass(frozen=True, slots=True)
class PrescriberOnFile:
    """A prescriber record kept for the same licence number and state."""

    name: str
    credential: str


@lru_cache(maxsize=4096)
def name_words(name: str) -> frozenset[str]:
    """The words that identify a person: "Dr. Dana M. Ruiz, MD" -> {"dana", "m", "ruiz"};
    order, case, accents, titles and credentials do not matter ("Ruiz, Dana")."""
    words = normalize(re.sub(r"['’`]", "", name)).split()
    return frozenset(
        w
        for w in words
        if w not in _TITLES and w not in _SUFFIXES and w.upper() not in KNOWN_CREDENTIALS
    )


def same_person(written: str, on_file: str) -> bool:
    """Whether two written names can be one person: the full words of the shorter name are
    all in the longer one, and each of its initials starts one of the longer's words
    ("Dana Ruiz", "Dana M. Ruiz", "D. Ruiz" and "Ruiz, Dana" are one person; "Dana Ruiz" and
    "Someone Else", or "Dana Ruiz" and "Maria Ruiz", are not)."""
    a, b = name_words(written), name_words(on_file)
    if not a or not b:
        return a == b
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    full = {w for w in short if len(w) > 1}
    if not full or not full <= long_:
        return False
    initials = {w for w in short if len(w) == 1}
    return all(any(w.startswith(i) for w in long_ - full) for i in initials)


def credentials(written: str) -> frozenset[str]:
    """The recognised credentials in what was written ("M.D., FACP" -> {"MD"})."""
    return frozenset(c for c in credential_codes(written) if c in KNOWN_CREDENTIALS)


def same_credential(written: str, on_file: str) -> bool:
    return credentials(written) == credentials(on_file)


def matches(written_name: str, written_credential: str, record: PrescriberOnFile) -> bool:
    """Whether the prescription's prescriber is this record's person, with its credential."""
    return same_person(written_name, record.name) and same_credential(
        written_credential, record.credential
    )


def check(document: OrderDocument, on_file: tuple[PrescriberOnFile, ...]) -> list[Finding]:
    """A block when the licence is on file with another credential (the credential judged
    would not be the one the records and label carry); a warning when it is on file for a
    person of another name with the same credential (a changed name, or a slip in the
    licence), for the pharmacist to confirm with the prescriber's office."""
    p = document.prescriber
    licence = f"{p.license_number.strip()} ({p.state.strip() or 'no state'})"
    other_credential = [r for r in on_file if not same_credential(p.credential, r.credential)]
    if other_credential:
        return [
            Finding(
                "prescriber.licence_on_file_credential",
                Severity.BLOCK,
                "prescriber.credential",
                f"Licence {licence} is on file for {_named(other_credential)}, not for "
                f"{_written(p.name, p.credential)}. Check the licence number and credential "
                "with the prescriber's office and correct the prescription.",
            )
        ]
    other_person = [r for r in on_file if not same_person(p.name, r.name)]
    if other_person:
        return [
            Finding(
                "prescriber.licence_on_file_name",
                Severity.WARN,
                "prescriber.name",
                f"Licence {licence} is on file for {_named(other_person)}, not for "
                f"{_written(p.name, p.credential)}. Confirm with the prescriber's office whose "
                "licence it is (a changed name, or a slip in the number).",
            )
        ]
    return []


def _written(name: str, credential: str) -> str:
    return ", ".join(part for part in (name.strip(), credential.strip()) if part)


def _named(records: list[PrescriberOnFile]) -> str:
    return " and ".join(dict.fromkeys(_written(r.name, r.credential) for r in records))
