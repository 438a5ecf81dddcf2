"""Prescriber: licensed prescribers pass; naturopaths only where the state allows."""

import pytest

from pharmacy_app.checks import CheckPolicy, Severity
from pharmacy_app.checks.rules.prescriber import npi_is_valid
from tests.checks.conftest import at_least, describe, family, in_family
from tests.conftest import DELETE


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


# ---------------------------------------------------------------------------------------------
# Contract tests: family prefix, severity and field path (built on make_doc / checked).
# ---------------------------------------------------------------------------------------------

LICENSED = ["MD", "DO", "NP", "PA", "M.D.", "D.O.", "APRN", "FNP-C", "PA-C", "md", "m.d.", " MD "]


def prescriber_flags(result, severity=Severity.WARN):
    return at_least(in_family(result, "prescriber"), severity)


@pytest.mark.parametrize("credential", LICENSED)
def test_a_licensed_prescriber_with_licence_and_state_passes(checked, credential):
    result = checked(prescriber={"credential": credential})
    assert prescriber_flags(result) == [], describe(result)
    assert result.verdict == "pass", describe(result)


@pytest.mark.parametrize("licence", ["", "   ", DELETE])
def test_a_blank_or_absent_licence_number_blocks_on_its_field(checked, licence):
    result = checked(prescriber={"license_number": licence})
    blocks = prescriber_flags(result, Severity.BLOCK)
    assert [f.field for f in blocks] == ["prescriber.license_number"], describe(result)
    assert "licen" in blocks[0].message.lower()
    assert result.verdict == "block"


@pytest.mark.parametrize("licence", ["N/A", "none", "pending", "-", "?"])
def test_a_placeholder_licence_number_does_not_pass(checked, licence):
    result = checked(prescriber={"license_number": licence})
    assert prescriber_flags(result), describe(result)


@pytest.mark.parametrize("credential", ["", DELETE, "XYZ", "Dr.", "doctor"])
def test_an_absent_or_unknown_credential_does_not_pass(checked, credential):
    result = checked(prescriber={"credential": credential})
    flagged = prescriber_flags(result)
    assert flagged, describe(result)
    assert all(f.field.startswith("prescriber.") for f in flagged)
    assert result.verdict in ("warn", "block")


@pytest.mark.parametrize("credential", ["ND", "N.D.", "nd"])
def test_a_naturopath_passes_where_the_pharmacy_state_allows_it(checked, credential):
    result = checked(CheckPolicy(pharmacy_state="OR"), prescriber={"credential": credential})
    assert prescriber_flags(result) == [], describe(result)


@pytest.mark.parametrize("pharmacy_state", ["TX", "FL", "NY"])
def test_a_naturopath_blocks_where_the_pharmacy_state_does_not_allow_it(checked, pharmacy_state):
    result = checked(CheckPolicy(pharmacy_state=pharmacy_state), prescriber={"credential": "ND"})
    blocks = prescriber_flags(result, Severity.BLOCK)
    assert blocks, describe(result)
    assert all(f.field.startswith("prescriber.") for f in blocks)
    assert "naturopath" in blocks[0].message.lower()


def test_the_naturopath_states_list_is_the_policy_s_to_change(checked):
    policy = CheckPolicy(pharmacy_state="TX", naturopath_states=frozenset({"TX"}))
    texan = {"credential": "ND", "state": "TX"}
    assert prescriber_flags(checked(policy, prescriber=texan)) == []
    policy = CheckPolicy(pharmacy_state="OR", naturopath_states=frozenset())
    assert prescriber_flags(checked(policy, prescriber={"credential": "ND"}), Severity.BLOCK)


def test_a_medical_doctor_passes_whatever_the_naturopath_states(checked):
    policy = CheckPolicy(pharmacy_state="TX", naturopath_states=frozenset())
    assert prescriber_flags(checked(policy)) == []


@pytest.mark.parametrize("credential", ["DC", "D.C.", "chiropractor", "RN", "R.N."])
def test_a_chiropractor_or_registered_nurse_is_not_a_prescriber_and_blocks(checked, credential):
    result = checked(prescriber={"credential": credential})
    blocks = prescriber_flags(result, Severity.BLOCK)
    assert blocks, describe(result)
    assert all(f.field.startswith("prescriber.") for f in blocks)


def test_a_doctor_in_washington_dc_is_not_a_chiropractor(checked):
    # "DC" as a state is the District of Columbia, not the chiropractic credential.
    result = checked(prescriber={"credential": "MD", "state": "DC"})
    assert prescriber_flags(result) == [], describe(result)


def test_a_naturopath_licensed_in_dc_passes_at_a_dc_pharmacy(checked):
    policy = CheckPolicy(pharmacy_state="DC")
    result = checked(policy, prescriber={"credential": "ND", "state": "DC"})
    assert prescriber_flags(result) == [], describe(result)


@pytest.mark.parametrize("state", ["ZZ", "XX", "Oregonia", "12"])
def test_an_invalid_state_code_is_at_least_a_warning(checked, state):
    result = checked(prescriber={"state": state})
    flagged = prescriber_flags(result)
    assert [f.field for f in flagged] == ["prescriber.state"], describe(result)


@pytest.mark.parametrize("state", ["or", " OR ", "WA", "PR"])
def test_a_valid_state_code_in_any_case_does_not_block(checked, state):
    result = checked(prescriber={"state": state})
    assert prescriber_flags(result, Severity.BLOCK) == [], describe(result)
