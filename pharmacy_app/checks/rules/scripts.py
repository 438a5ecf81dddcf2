"""Look-alike letters: a word that mixes Latin with Cyrillic or Greek letters.

"hydrоcodone" with a Cyrillic "о" looks like hydrocodone to a person and to no rule: it is how
a paste from another system, an OCR slip or a deliberate trick hides an opioid, a pregnancy or
calcium carbonate from the checker, and how a second patient record that looks like the first
is made. Each such word warns at its field, for a person to retype it. Words wholly in one
script (Анна, Ἀλέξανδρος, 李小龍) are ordinary text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..document import OrderDocument
from ..findings import Finding, Severity

# Scripts whose letters look like Latin ones (Unicode's confusables: а/a, о/o, р/p, ο/o...).
LOOK_ALIKE_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK"})
_WORD = re.compile(r"\w+")


def check(document: OrderDocument) -> list[Finding]:
    findings: list[Finding] = []
    for field, text in _texts(document):
        word = mixed_word(text)
        if word is not None:
            findings.append(
                Finding(
                    "text.mixed_script",
                    Severity.WARN,
                    field,
                    f"“{word}” mixes {_scripts_named(word)} letters that look alike: the checker "
                    "cannot read it as written. Retype it in one alphabet.",
                )
            )
    return findings


def _texts(document: OrderDocument) -> list[tuple[str, str]]:
    p, prescriber, prep, sig = (
        document.patient,
        document.prescriber,
        document.preparation,
        document.sig,
    )
    texts = [
        ("patient.first_name", p.first_name),
        ("patient.last_name", p.last_name),
        ("prescriber.name", prescriber.name),
        ("prescriber.credential", prescriber.credential),
        ("preparation.release", prep.release),
        ("sig.text", sig.text),
    ]
    for name, values in (
        ("patient.medications", p.medications),
        ("patient.allergies", p.allergies),
        ("patient.conditions", p.conditions),
        ("preparation.excipients", prep.excipients),
    ):
        texts += [(f"{name}[{i}]", value) for i, value in enumerate(values)]
    return [(field, text) for field, text in texts if not text.isascii()]


@lru_cache(maxsize=4096)
def mixed_word(text: str) -> str | None:
    """The first word of `text` whose letters come from more than one look-alike script."""
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        scripts = {_script(c) for c in word if c.isalpha()} & LOOK_ALIKE_SCRIPTS
        if len(scripts) > 1:
            return word
    return None


def _script(character: str) -> str:
    return unicodedata.name(character, "").split(" ", 1)[0]


def _scripts_named(word: str) -> str:
    scripts = sorted({_script(c) for c in word if c.isalpha()} & LOOK_ALIKE_SCRIPTS)
    return " and ".join(s.title() for s in scripts)
