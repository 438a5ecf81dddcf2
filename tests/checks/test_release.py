"""Release type: only immediate release passes; nothing else passes silently."""

import pytest

from pharmacy_app.checks import Severity
from tests.checks.conftest import family

IMMEDIATE = [
    "IR",
    "I.R.",
    "ir",
    "immediate-release",
    "Immediate Release",
    "IMMEDIATE RELEASE",
    "immediate",
    "instant release",
    "IR capsules",
    "Immediate release (IR)",
    "IR, no SR",
    "immediate release, no calcium carbonate",
]
MODIFIED = [
    "SR",
    "S.R.",
    "s r",
    "sustained release",
    "Sustained-Release",
    "slow",
    "slow release",
    "Slow-Release",
    "ER",
    "E.R.",
    "XR",
    "XL",
    "x-l",
    "extended release",
    "Extended-Release",
    "CR",
    "controlled release",
    "DR",
    "delayed release",
    "delayed-release",
    "modified release",
    "MR",
    "timed release",
    "time-release",
    "long acting",
    "long-acting",
    "LA",
    "ER/IR",
    "IR or SR",
    "enteric coated",
    "  sr  ",
    "S/R",
]
UNREADABLE = ["fast", "regular", "??", "see notes", "standard", "not IR", "non-SR", "n/a"]


def test_the_clean_order_passes(check):
    assert check().verdict == "pass"


@pytest.mark.parametrize("written", IMMEDIATE)
def test_immediate_release_spellings_pass(check, written):
    assert family(check(preparation={"release": written}), "release") == []


@pytest.mark.parametrize("written", MODIFIED)
def test_modified_release_spellings_block(check, written):
    result = check(preparation={"release": written})
    findings = family(result, "release")
    assert [(f.code, f.severity, f.field) for f in findings] == [
        ("release.modified", Severity.BLOCK, "preparation.release")
    ]
    assert "immediate release" in findings[0].message
    assert result.verdict == "block"


@pytest.mark.parametrize("written", UNREADABLE)
def test_text_not_read_as_immediate_release_warns(check, written):
    findings = family(check(preparation={"release": written}), "release")
    assert findings and findings[0].severity is Severity.WARN


def test_unstated_release_is_an_info_note(check):
    result = check(preparation={"release": ""})
    assert [(f.code, f.severity) for f in family(result, "release")] == [
        ("release.unstated", Severity.INFO)
    ]
    assert result.verdict == "pass"


@pytest.mark.parametrize("text", ["Take 1 SR capsule at bedtime", "sustained release, 1 at night"])
def test_release_words_in_the_sig_warn(check, text):
    findings = family(check(sig={"text": text}), "release")
    assert [(f.code, f.field) for f in findings] == [("release.modified_in_sig", "sig.text")]


@pytest.mark.parametrize(
    "text",
    [
        "Take 1 capsule at bedtime; go to the ER if short of breath",
        "Take as directed by Dr. Ruiz",
        "increase slowly",
    ],
)
def test_ordinary_sig_words_are_not_release_types(check, text):
    assert family(check(sig={"text": text}), "release") == []
