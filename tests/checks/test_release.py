"""Release type: only immediate release passes; nothing else passes silently."""

import pytest

from pharmacy_app.checks import Severity
from tests.checks.conftest import (
    LIQUID_PREPARATION,
    at_least,
    describe,
    family,
    in_family,
    worst,
)
from tests.conftest import DELETE

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


# ---------------------------------------------------------------------------------------------
# Contract tests: family prefix, severity and field path (built on make_doc / checked).
# ---------------------------------------------------------------------------------------------

IR_AS_WRITTEN = [
    "IR",
    "I.R.",
    "i.r",
    "Ir",
    " IR ",
    "immediate-release",
    "Immediate Release",
    "IMMEDIATE_RELEASE",
    "immediate  release",
    "Immediate release capsules",
    "immediate",
    "instant release",
]

SLOW_AS_WRITTEN = [
    # sustained
    "SR",
    "S.R.",
    "sr",
    "Sr",
    "S R",
    "s-r",
    "S/R",
    "SR.",
    "sustained release",
    "sustained-release",
    "Sustained Release",
    "SUSTAINED_RELEASE",
    "sustained\u00a0release",  # non-breaking space pasted from a PDF
    "sustained\u2013release",  # en dash from a word processor
    "sustained",
    # slow
    "slow",
    "slow release",
    "SLOW-RELEASE",
    "slow-release (SR)",
    # extended
    "ER",
    "E.R.",
    "er",
    "XR",
    "X.R.",
    "XL",
    "xl",
    "extended release",
    "Extended-Release",
    "extended",
    "ER 24 hr",
    # controlled
    "CR",
    "C.R.",
    "controlled release",
    "Controlled-Release",
    "controlled",
    # delayed
    "DR",
    "D.R.",
    "delayed release",
    "delayed-release",
    "delayed",
    # modified
    "modified release",
    "Modified-Release",
    "modified",
    "MR",
    "M.R.",
    # timed / long acting
    "timed release",
    "time-release",
    "time released",
    "long acting",
    "Long-Acting",
    "LA",
    "L.A.",
]

NOT_READABLE_AS_IR = [
    "fast",
    "regular",
    "??",
    "see notes",
    "ER/IR",
    "IR/SR",
    "IR or ER",
    "standard",
    "normal",
    "as usual",
    "same as last time",
    "-",
    "n/a",
    "tbd",
    "not IR",
]


def test_the_baseline_order_passes(checked):
    result = checked()
    assert result.verdict == "pass", describe(result)
    assert at_least(list(result.findings), Severity.WARN) == []


@pytest.mark.parametrize("written", IR_AS_WRITTEN)
def test_immediate_release_as_written_raises_nothing_above_info(checked, written):
    result = checked(preparation={"release": written})
    assert at_least(in_family(result, "release"), Severity.WARN) == [], describe(result)
    assert result.verdict == "pass", describe(result)


def test_release_not_stated_is_info_at_most_never_a_block(checked):
    result = checked(preparation={"release": ""})
    assert worst(in_family(result, "release")) in (None, Severity.INFO), describe(result)
    assert result.verdict == "pass"


def test_release_key_absent_is_treated_as_not_stated(checked):
    result = checked(preparation={"release": DELETE})
    assert worst(in_family(result, "release")) in (None, Severity.INFO), describe(result)


@pytest.mark.parametrize("written", SLOW_AS_WRITTEN)
def test_slow_or_modified_release_blocks_on_the_release_field(checked, written):
    result = checked(preparation={"release": written})
    blocks = at_least(in_family(result, "release"), Severity.BLOCK)
    assert blocks, describe(result)
    assert {f.field for f in blocks} == {"preparation.release"}
    assert all("release" in f.message.lower() for f in blocks), describe(result)
    assert result.verdict == "block"


@pytest.mark.parametrize("written", NOT_READABLE_AS_IR)
def test_release_text_not_readable_as_immediate_never_passes_silently(checked, written):
    result = checked(preparation={"release": written})
    flagged = at_least(in_family(result, "release"), Severity.WARN)
    assert flagged, describe(result)
    assert all(f.field == "preparation.release" and f.message.strip() for f in flagged)
    assert result.verdict in ("warn", "block")


@pytest.mark.parametrize(
    "text",
    [
        "Take 1 sustained release capsule at bedtime",
        "sustained-release: 1 cap qhs",
        "Take one extended-release capsule nightly",
        "1 SR cap at bedtime",
        "slow release please, 1 at night",
        "Dispense as time-release capsules; 1 at bedtime",
    ],
)
def test_a_release_word_hidden_in_the_sig_text_is_at_least_a_warning(checked, text):
    result = checked(sig={"text": text})
    flagged = at_least(in_family(result, "release"), Severity.WARN)
    assert flagged, describe(result)
    assert result.verdict in ("warn", "block")


@pytest.mark.parametrize(
    "text",
    [
        "Take 1 capsule by mouth at bedtime",
        "Take 1 capsule at bedtime; may increase slowly as tolerated",
        "Take 1 capsule in the morning if sleep is disturbed",
        "Take as directed",
    ],
)
def test_ordinary_sig_text_raises_no_release_warning(checked, text):
    result = checked(sig={"text": text})
    assert at_least(in_family(result, "release"), Severity.WARN) == [], describe(result)


def test_immediate_release_in_the_release_field_still_blocks_slow_words_in_the_sig(checked):
    # IR in the release field must not excuse "SR" written in the directions.
    result = checked(preparation={"release": "IR"}, sig={"text": "Take 1 SR capsule at bedtime"})
    assert at_least(in_family(result, "release"), Severity.WARN), describe(result)


@pytest.mark.parametrize("written", ["SR", "ER", "XL", "sustained release"])
def test_slow_release_blocks_for_liquids_too(checked, written):
    result = checked(
        preparation={**LIQUID_PREPARATION, "release": written},
        sig={"dose": "4.5 mL"},
        quantity=135,
    )
    assert worst(in_family(result, "release")) is Severity.BLOCK, describe(result)


@pytest.mark.parametrize("time_of_day", ["bedtime (SR)", "at night - sustained release"])
def test_a_release_word_hidden_in_the_time_of_day_is_at_least_a_warning(checked, time_of_day):
    result = checked(sig={"time_of_day": time_of_day})
    assert at_least(in_family(result, "release"), Severity.WARN), describe(result)


@pytest.mark.parametrize("written", ["slow-release base", "SR matrix (HPMC)"])
def test_a_release_word_hidden_in_an_excipient_is_at_least_a_warning(checked, written):
    result = checked(preparation={"excipients": [written]})
    assert result.verdict in ("warn", "block"), describe(result)
