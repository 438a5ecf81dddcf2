"""The verdict is the worst severity; findings come worst first."""

import json
import re
from decimal import Decimal

import pytest

from pharmacy_app.checks import DEFAULT_POLICY, Finding, Severity, check_order, verdict_of
from tests.checks.conftest import FAMILIES, LIQUID_PREPARATION, POLICY, TODAY, describe, worst


def finding(severity):
    return Finding("x.y", severity, "f", "m")


def test_verdict_is_the_worst_severity():
    assert verdict_of([]) == "pass"
    assert verdict_of([finding(Severity.INFO)]) == "pass"
    assert verdict_of([finding(Severity.INFO), finding(Severity.WARN)]) == "warn"
    assert verdict_of([finding(Severity.WARN), finding(Severity.BLOCK)]) == "block"


def test_findings_come_worst_first_and_serialise_as_strings(check):
    result = check(
        preparation={"release": "", "excipients": ["zzz", "CaCO3"]},
        patient={"medications": ["Norco"]},
    )
    severities = [f.severity for f in result.findings]
    assert severities == sorted(severities, reverse=True)
    as_dict = result.to_dict()
    assert as_dict["verdict"] == "block"
    assert {f["severity"] for f in as_dict["findings"]} == {"block", "warn", "info"}
    assert all(set(f) == {"code", "severity", "field", "message"} for f in as_dict["findings"])
    assert as_dict["dose"] == {"mg_per_dose": "4.5", "mg_per_day": "4.5", "ml_per_dose": None}


def test_every_code_is_family_dot_name(check):
    result = check(
        preparation={"release": "SR", "excipients": ["chalk"], "strength": "50 mg"},
        patient={
            "medications": ["fentanyl"],
            "conditions": ["pregnant"],
            "allergies": ["naltrexone"],
        },
        prescriber={"credential": "DC", "license_number": ""},
        refills=40,
    )
    families = {f.code.split(".")[0] for f in result.findings}
    assert families == {
        "release",
        "excipient",
        "dose",
        "interaction",
        "contraindication",
        "prescriber",
        "supply",
    }


# ---------------------------------------------------------------------------------------------
# Contract tests: verdict, ordering, codes and serialisation (built on make_doc / checked).
# ---------------------------------------------------------------------------------------------

CODE = re.compile(rf"^({'|'.join(FAMILIES)})\.[a-z0-9_]+$")
FIELD = re.compile(r"^[a-z_]+(\.[a-z_]+|\[\d+\])*$")

# Orders chosen to trigger one or several families, from a clean pass to a kitchen sink.
SCENARIOS = {
    "baseline": {},
    "release-unstated": {"preparation": {"release": ""}},
    "unknown-filler": {"preparation": {"excipients": ["magnesium stearate"]}},
    "sr-release": {"preparation": {"release": "SR"}},
    "chalk": {"preparation": {"excipients": ["chalk"]}},
    "50-mg": {"preparation": {"strength": "50 mg"}},
    "6-mg-split": {"preparation": {"strength": "3 mg"}, "sig": {"times_per_day": 2}},
    "norco": {"patient": {"medications": ["Norco 10/325"]}},
    "narcan": {"patient": {"medications": ["Narcan nasal spray"]}},
    "pregnant": {"patient": {"conditions": ["pregnant"]}},
    "no-licence": {"prescriber": {"license_number": ""}},
    "refills-99": {"refills": 99},
    "mixed-warn-and-info": {
        "preparation": {"release": "", "excipients": ["zzz"]},
        "refills": 24,
    },
    "kitchen-sink": {
        "preparation": {"release": "ER", "strength": "50 mg", "excipients": ["MCC", "CaCO3"]},
        "sig": {"times_per_day": 2},
        "patient": {
            "medications": ["metformin", "OxyContin"],
            "conditions": ["pregnant"],
            "allergies": ["naltrexone"],
        },
        "prescriber": {"credential": "DC", "license_number": ""},
        "quantity": 30,
        "refills": 99,
    },
}


@pytest.fixture(params=list(SCENARIOS), ids=list(SCENARIOS))
def scenario(request, checked):
    return checked(**SCENARIOS[request.param])


def test_the_baseline_passes_under_the_default_policy_too(make_doc):
    result = check_order(make_doc(), DEFAULT_POLICY, today=TODAY)
    assert result.verdict == "pass", describe(result)


def test_the_baseline_has_no_finding_above_info(checked):
    result = checked()
    assert all(f.severity is Severity.INFO for f in result.findings), describe(result)


def test_severity_is_ordered_and_labelled():
    assert Severity.BLOCK > Severity.WARN > Severity.INFO
    assert [s.label for s in (Severity.BLOCK, Severity.WARN, Severity.INFO)] == [
        "block",
        "warn",
        "info",
    ]


def test_the_verdict_is_the_worst_severity(scenario):
    top = worst(list(scenario.findings))
    expected = {None: "pass", Severity.INFO: "pass", Severity.WARN: "warn"}.get(top, "block")
    assert scenario.verdict == expected, describe(scenario)


def test_findings_come_worst_first(scenario):
    severities = [f.severity for f in scenario.findings]
    assert severities == sorted(severities, reverse=True), describe(scenario)


def test_every_code_is_a_known_family_dot_name(scenario):
    bad = [f.code for f in scenario.findings if not CODE.match(f.code)]
    assert bad == [], describe(scenario)


def test_every_finding_has_a_field_path_and_a_message(scenario):
    for finding in scenario.findings:
        assert FIELD.match(finding.field), finding
        assert finding.message.strip(), finding
        assert isinstance(finding.severity, Severity)


def test_the_result_serialises_to_plain_json(scenario):
    as_dict = scenario.to_dict()
    assert set(as_dict) >= {"verdict", "findings", "dose"}
    assert as_dict["verdict"] == scenario.verdict
    assert len(as_dict["findings"]) == len(scenario.findings)
    for item, finding in zip(as_dict["findings"], scenario.findings, strict=True):
        assert set(item) == {"code", "severity", "field", "message"}
        assert all(isinstance(v, str) for v in item.values())
        assert item["severity"] == finding.severity.label
    assert json.loads(json.dumps(as_dict)) == as_dict


def test_checking_is_deterministic(scenario, make_doc, request):
    again = check_order(make_doc(**SCENARIOS[request.node.callspec.id]), POLICY, today=TODAY)
    assert again.to_dict() == scenario.to_dict()


@pytest.mark.parametrize(
    ("name", "verdict"),
    [
        ("baseline", "pass"),
        ("release-unstated", "pass"),
        ("unknown-filler", "warn"),
        ("6-mg-split", "warn"),
        ("narcan", "warn"),
        ("refills-99", "warn"),
        ("mixed-warn-and-info", "warn"),
        ("sr-release", "block"),
        ("chalk", "block"),
        ("50-mg", "block"),
        ("norco", "block"),
        ("pregnant", "block"),
        ("no-licence", "block"),
        ("kitchen-sink", "block"),
    ],
)
def test_scenario_verdicts(checked, name, verdict):
    result = checked(**SCENARIOS[name])
    assert result.verdict == verdict, describe(result)


def test_the_kitchen_sink_reports_every_family(checked):
    result = checked(**SCENARIOS["kitchen-sink"])
    assert {f.code.split(".")[0] for f in result.findings} == set(FAMILIES), describe(result)


def test_the_dose_summary_is_in_decimals_and_in_the_dict(checked):
    result = checked()
    assert result.dose.mg_per_dose == Decimal("4.5")
    assert result.dose.mg_per_day == Decimal("4.5")
    dose = result.to_dict()["dose"]
    assert Decimal(dose["mg_per_dose"]) == Decimal("4.5")
    assert Decimal(dose["mg_per_day"]) == Decimal("4.5")


@pytest.mark.parametrize(
    "overrides",
    [
        {"preparation": {"strength": "1.5 mg"}},
        {"preparation": {"strength": "3 mg"}},
        {"preparation": {"strength": "0.5 mg"}},
        {
            "preparation": {**LIQUID_PREPARATION, "release": "IR"},
            "sig": {"dose": "4.5 mL", "text": "Take 4.5 mL by mouth at bedtime"},
            "quantity": 135,
        },
        {"prescriber": {"credential": "NP", "name": "Sam Lee, FNP-C"}},
        {"sig": {"time_of_day": "morning", "text": "Take 1 capsule every morning"}},
    ],
    ids=["1.5mg", "3mg", "0.5mg", "liquid-1mg-per-mL", "nurse-practitioner", "morning"],
)
def test_other_ordinary_orders_pass(checked, overrides):
    result = checked(**overrides)
    assert result.verdict == "pass", describe(result)
