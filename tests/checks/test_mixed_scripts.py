"""A word mixing Latin with Cyrillic or Greek look-alike letters warns at its field: the
checker cannot read "hydrоcodone" (Cyrillic о) as hydrocodone, so a person retypes it."""

from __future__ import annotations

import pytest

from pharmacy_app.checks import Severity

CYRILLIC_O = "\u043e"
GREEK_OMICRON = "\u03bf"


@pytest.mark.parametrize(
    ("part", "change", "field"),
    [
        ("patient", {"medications": [f"hydr{CYRILLIC_O}codone 5 mg"]}, "patient.medications[0]"),
        (
            "patient",
            {"conditions": ["multiple sclerosis", f"hepatitis {GREEK_OMICRON}k"]},
            "patient.conditions[1]",
        ),
        ("patient", {"last_name": f"Petr{CYRILLIC_O}v"}, "patient.last_name"),
        (
            "preparation",
            {"excipients": [f"calcium carb{CYRILLIC_O}nate"]},
            "preparation.excipients[0]",
        ),
        ("sig", {"text": f"Take 1 capsule at bedtime, then 10 caps{GREEK_OMICRON}les"}, "sig.text"),
    ],
)
def test_a_word_of_mixed_look_alike_letters_warns_at_its_field(check, part, change, field):
    findings = [f for f in check(**{part: change}).findings if f.code == "text.mixed_script"]
    assert [(f.severity, f.field) for f in findings] == [(Severity.WARN, field)]
    assert "look alike" in findings[0].message


@pytest.mark.parametrize(
    "text",
    ["Анна Петрова", "Ἀλέξανδρος", "李小龍", "José Núñez", "Zoë Ødegaard", "naltrexone 4.5 mg"],
)
def test_words_in_one_script_are_ordinary_text(check, text):
    result = check(patient={"medications": [text], "last_name": text})
    assert not [f for f in result.findings if f.code == "text.mixed_script"]
