"""Prescriber: licensed prescribers pass; naturopaths only where the state allows."""

import pytest

from pharmacy_app.checks import CheckPolicy, Severity
from pharmacy_app.checks.rules.prescriber import npi_is_valid
from tests.checks.conftest import family


@pytest.mark.parametrize(
    "credential",
    ["MD", "DO", "NP", "PA", "M.D.", "D.O.", "APRN", "FNP-C", "PA-C", "MD, FACP", "np"],
)
def test_licensed_prescribers_pass(check, credential):
    assert family(check(prescriber={"credential": credential}), "prescriber") == []


def test_a_missing_licence_number_blocks(check):
    findings = family(check(prescriber={"license_number": "  "}), "prescriber")
    assert [(f.code, f.severity, f.field) for f in findings] == [
        ("prescriber.license_missing", Severity.BLOCK, "prescriber.license_number")
    ]


@pytest.mark.parametrize("credential", ["DC", "RN", "L.Ac.", "PharmD"])
def test_non_prescribers_block(check, credential):
    findings = family(check(prescriber={"credential": credential}), "prescriber")
    assert [(f.code, f.severity) for f in findings] == [
        ("prescriber.not_a_prescriber", Severity.BLOCK)
    ]


@pytest.mark.parametrize(
    ("credential", "code"),
    [
        ("", "prescriber.credential_missing"),
        ("XYZ", "prescriber.credential_unknown"),
        ("DDS", "prescriber.scope"),
    ],
)
def test_missing_unknown_or_limited_credentials_warn(check, credential, code):
    findings = family(check(prescriber={"credential": credential}), "prescriber")
    assert [(f.code, f.severity) for f in findings] == [(code, Severity.WARN)]


def test_a_naturopath_passes_where_the_state_allows(check):
    result = check(CheckPolicy(pharmacy_state="OR"), prescriber={"credential": "ND"})
    assert family(result, "prescriber") == []


@pytest.mark.parametrize(("pharmacy_state", "prescriber_state"), [("TX", "OR"), ("OR", "TX")])
def test_a_naturopath_blocks_where_the_state_does_not_allow(
    check, pharmacy_state, prescriber_state
):
    result = check(
        CheckPolicy(pharmacy_state=pharmacy_state),
        prescriber={"credential": "N.D.", "state": prescriber_state},
    )
    assert [(f.code, f.severity) for f in family(result, "prescriber")] == [
        ("prescriber.naturopath_not_allowed", Severity.BLOCK)
    ]


def test_naturopath_states_are_a_setting(check):
    policy = CheckPolicy.from_settings(
        {"PHARMACY_STATE": "tx", "CHECK_NATUROPATH_STATES": "tx, or"}
    )
    assert family(check(policy, prescriber={"credential": "ND"}), "prescriber") == []


@pytest.mark.parametrize(
    ("state", "code"), [("", "prescriber.state_missing"), ("ZZ", "prescriber.state_unknown")]
)
def test_a_missing_or_unknown_state_warns(check, state, code):
    findings = family(check(prescriber={"state": state}), "prescriber")
    assert [(f.code, f.severity) for f in findings] == [(code, Severity.WARN)]


def test_an_npi_with_a_wrong_check_digit_warns(check):
    assert family(check(prescriber={"npi": "1234567893"}), "prescriber") == []
    findings = family(check(prescriber={"npi": "1234567890"}), "prescriber")
    assert [f.code for f in findings] == ["prescriber.npi_invalid"]


@pytest.mark.parametrize(
    ("npi", "valid"),
    [("1234567893", True), ("1245319599", True), ("1234567890", False), ("12345", False)],
)
def test_npi_check_digit(npi, valid):
    assert npi_is_valid(npi) is valid


@pytest.mark.parametrize(
    "credential",
    [
        "Nurse Practitioner",
        "Physician Assistant-Certified",
        "M. D.",
        "Doctor of Osteopathic Medicine",
    ],
)
def test_credentials_written_out_in_words_are_read(check, credential):
    assert family(check(prescriber={"credential": credential}), "prescriber") == []


def test_a_chiropractor_written_out_blocks(check):
    findings = family(check(prescriber={"credential": "Chiropractor"}), "prescriber")
    assert [f.code for f in findings] == ["prescriber.not_a_prescriber"]
