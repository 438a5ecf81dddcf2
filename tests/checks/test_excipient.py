"""Excipients: calcium carbonate blocks however written; unknown fillers are confirmed."""

import pytest

from pharmacy_app.checks import CheckPolicy, Severity
from tests.checks.conftest import family

CALCIUM_CARBONATE = [
    "calcium carbonate",
    "Calcium Carbonate USP",
    "precipitated calcium carbonate",
    "CaCO3",
    "caco3",
    "CaCO₃",
    "CACO 3",
    "calcium  carbonate",
    "calcium-carbonate",
    "Calcium carbonate (filler)",
    "calc. carb.",
    "calcium carb",
    "Ca carbonate",
    "chalk",
    "precipitated chalk",
    "Calcium Carbonate, Precipitated, USP",
    "oyster shell calcium",
    "carbonate of lime",
    "E170",
]
ACCEPTED = [
    "microcrystalline cellulose",
    "MCC",
    "Avicel",
    "Avicel PH-102",
    "avicel ph 101",
    "Microcrystalline Cellulose NF",
    "lactose",
    "lactose monohydrate",
    "Lactose NF",
    "sucrose",
    "sodium bicarbonate",
    "acidophilus",
    "acidophilus (probiotic)",
    "purified water",
    "glycerin",
    "Ora-Sweet",
    "simple syrup",
    "gelatin capsule",
    "HPMC capsule shell",
]
NOT_CARBONATE = [
    "calcium citrate",
    "calcium phosphate",
    "dicalcium phosphate",
    "sodium bicarbonate",
    "no calcium carbonate",
    "CaCO3-free",
]


@pytest.mark.parametrize("written", CALCIUM_CARBONATE)
def test_calcium_carbonate_blocks_in_every_spelling(check, written):
    result = check(preparation={"excipients": ["microcrystalline cellulose", written]})
    findings = family(result, "excipient")
    assert [(f.code, f.severity, f.field) for f in findings] == [
        ("excipient.calcium_carbonate", Severity.BLOCK, "preparation.excipients[1]")
    ]
    assert "calcium carbonate" in findings[0].message.lower()
    assert result.verdict == "block"


@pytest.mark.parametrize("written", ACCEPTED)
def test_accepted_fillers_and_vehicles_pass(check, written):
    assert family(check(preparation={"excipients": [written]}), "excipient") == []


@pytest.mark.parametrize("written", NOT_CARBONATE)
def test_other_calcium_salts_and_exclusions_do_not_block(check, written):
    findings = family(check(preparation={"excipients": [written]}), "excipient")
    assert all(f.severity is not Severity.BLOCK for f in findings)


@pytest.mark.parametrize(
    "written",
    ["hypromellose", "HPMC", "methylcellulose", "hydroxypropyl methylcellulose", "Methocel K4M"],
)
def test_fillers_that_slow_release_warn(check, written):
    findings = family(check(preparation={"excipients": [written]}), "excipient")
    assert [(f.code, f.severity) for f in findings] == [("excipient.slows_release", Severity.WARN)]


@pytest.mark.parametrize("written", ["magnesium stearate", "zzz", "rice flour"])
def test_unknown_excipient_is_a_warning_to_confirm(check, written):
    findings = family(check(preparation={"excipients": ["MCC", written]}), "excipient")
    assert [(f.code, f.severity, f.field) for f in findings] == [
        ("excipient.unknown", Severity.WARN, "preparation.excipients[1]")
    ]


def test_a_pharmacy_can_accept_more_fillers(check):
    policy = CheckPolicy(pharmacy_state="OR", accepted_excipients=frozenset({"rice flour"}))
    assert family(check(policy, preparation={"excipients": ["Rice Flour"]}), "excipient") == []


def test_a_capsule_without_filler_gets_an_info_note(check):
    result = check(preparation={"excipients": []})
    assert [(f.code, f.severity) for f in family(result, "excipient")] == [
        ("excipient.none_written", Severity.INFO)
    ]
    assert result.verdict == "pass"


@pytest.mark.parametrize(
    "written",
    [
        "Microcrystalline cellulose (Avicel PH-102)",
        "Avicel PH-102 (MCC)",
        "MCC / lactose",
        "lactose and sucrose",
    ],
)
def test_names_made_only_of_accepted_fillers_pass(check, written):
    assert family(check(preparation={"excipients": [written]}), "excipient") == []


def test_an_accepted_filler_mixed_with_an_unknown_one_warns(check):
    findings = family(check(preparation={"excipients": ["MCC with talc"]}), "excipient")
    assert [f.code for f in findings] == ["excipient.unknown"]
