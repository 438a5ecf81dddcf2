"""The verdict is the worst severity; findings come worst first."""

from pharmacy_app.checks import Finding, Severity, verdict_of


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
