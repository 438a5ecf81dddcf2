"""The prescription's prescriber against the records kept for its licence number (issue 9,
item 2): another credential blocks, another name warns, the same person passes however the
name is written."""

from __future__ import annotations

import pytest

from pharmacy_app.checks import PrescriberOnFile, Severity, check_order
from pharmacy_app.checks.rules.on_file import same_person
from tests.checks.conftest import POLICY, TODAY

DANA = PrescriberOnFile(name="Dana Ruiz", credential="MD")


def _on_file(order, records, **prescriber):
    result = check_order(order(prescriber=prescriber), POLICY, (), records, today=TODAY)
    return [(f.code, f.severity, f.field) for f in result.findings if ".licence_on_file" in f.code]


@pytest.mark.parametrize(
    ("name", "credential"),
    [
        ("Dana Ruiz", "MD"),
        ("DANA RUIZ", "M.D."),
        ("Ruiz, Dana", "MD"),
        ("Dr. Dana M. Ruiz", "MD, FACP"),
        ("D. Ruiz", "MD"),
        ("Dana Ruíz", "md"),
    ],
)
def test_the_same_person_however_written_passes(order, name, credential):
    assert _on_file(order, (DANA,), name=name, credential=credential) == []


def test_another_credential_for_a_licence_on_file_blocks(order):
    result = check_order(
        order(prescriber={"name": "Someone Else", "credential": "ND"}),
        POLICY,
        (),
        (DANA,),
        today=TODAY,
    )
    finding = next(f for f in result.findings if f.code == "prescriber.licence_on_file_credential")
    assert (finding.severity, finding.field) == (Severity.BLOCK, "prescriber.credential")
    assert "MD154210 (OR) is on file for Dana Ruiz, MD, not for Someone Else, ND" in (
        finding.message
    )
    assert result.verdict == "block"


def test_the_same_person_with_another_credential_blocks_too(order):
    assert _on_file(order, (DANA,), name="Dana Ruiz", credential="DO") == [
        ("prescriber.licence_on_file_credential", Severity.BLOCK, "prescriber.credential")
    ]


@pytest.mark.parametrize("name", ["Someone Else", "Maria Ruiz", "Dana Smith", "M. Ruiz"])
def test_another_name_with_the_same_credential_warns(order, name):
    assert _on_file(order, (DANA,), name=name, credential="MD") == [
        ("prescriber.licence_on_file_name", Severity.WARN, "prescriber.name")
    ]


def test_any_other_record_of_the_licence_counts(order):
    """A second record made for the other name keeps the finding: the licence is on file
    for two people, whichever the prescription names."""
    records = (DANA, PrescriberOnFile(name="Someone Else", credential="ND"))
    assert _on_file(order, records, name="Someone Else", credential="ND") == [
        ("prescriber.licence_on_file_credential", Severity.BLOCK, "prescriber.credential")
    ]


def test_no_record_on_file_no_finding(order):
    assert _on_file(order, (), name="Someone Else", credential="MD") == []


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Dana Ruiz", "Dana Ruiz", True),
        ("Dana Ruiz", "dana  ruiz", True),
        ("O'Brien, Kate", "Kate OBrien", True),
        ("Kate O’Brien", "Kate O'Brien", True),
        ("Dana Ruiz", "Dana Ruiz Jr.", True),
        ("J. Ruiz", "Dana Ruiz", False),
        ("Dana Ruiz", "Ruiz", True),
        ("Dana Ruiz", "Dan Ruiz", False),
        ("", "Dana Ruiz", False),
    ],
)
def test_names_of_one_person(a, b, same):
    assert same_person(a, b) is same
