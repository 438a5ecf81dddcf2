"""Excipients: calcium carbonate blocks however written; unknown fillers are confirmed."""

import pytest

from pharmacy_app.checks import CheckPolicy, Severity
from tests.checks.conftest import (
    LIQUID_PREPARATION,
    at_least,
    describe,
    family,
    in_family,
    worst,
)

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


# ---------------------------------------------------------------------------------------------
# Contract tests: family prefix, severity and field path (built on make_doc / checked).
# ---------------------------------------------------------------------------------------------

CACO3_AS_WRITTEN = [
    "calcium carbonate",
    "Calcium Carbonate USP",
    "CALCIUM CARBONATE",
    "precipitated calcium carbonate",
    "Calcium Carbonate, Precipitated",
    "CaCO3",
    "caco3",
    "CACO3",
    "CaCo3",
    "CaCO₃",
    "calcium  carbonate",
    "calcium\u00a0carbonate",
    "calcium-carbonate",
    "calcium\u2013carbonate",
    "calcium carb",
    "Calcium carbonate (filler)",
    "calcium carbonate 200 mg",
    "chalk",
    "Chalk",
    "precipitated chalk",
    "prepared chalk",
]

SLOWING_FILLERS = [
    "hypromellose",
    "Hypromellose 2910",
    "HPMC",
    "methylcellulose",
    "methyl cellulose",
    "hydroxypropyl methylcellulose",
    "Hydroxypropyl Methylcellulose (HPMC)",
]

ACCEPTED_FILLERS = [
    "microcrystalline cellulose",
    "MCC",
    "Avicel",
    "Avicel PH-102",
    "Microcrystalline Cellulose NF",
    "lactose",
    "lactose monohydrate",
    "sucrose",
    "sodium bicarbonate",
    "acidophilus",
    "acidophilus (probiotic)",
]

LIQUID_VEHICLES = [
    "purified water",
    "glycerin",
    "simple syrup",
    "Ora-Sweet",
    "Ora-Plus",
]

UNKNOWN_EXCIPIENTS = ["magnesium stearate", "zzz", "talc", "rice flour", "silicon dioxide"]

OTHER_CALCIUM_OR_CARBONATE = [
    "calcium citrate",
    "calcium phosphate",
    "dicalcium phosphate",
    "tricalcium phosphate",
    "calcium citrate malate",
    "magnesium carbonate",
    "sodium bicarbonate",
    "potassium bicarbonate",
]


def carbonate_blocks(result):
    return [
        f
        for f in in_family(result, "excipient")
        if f.severity is Severity.BLOCK and "calcium" in f.message.lower()
    ]


@pytest.mark.parametrize("written", CACO3_AS_WRITTEN)
def test_calcium_carbonate_as_the_only_filler_blocks_at_index_0(checked, written):
    result = checked(preparation={"excipients": [written]})
    blocks = at_least(in_family(result, "excipient"), Severity.BLOCK)
    assert [f.field for f in blocks] == ["preparation.excipients[0]"], describe(result)
    assert "calcium" in blocks[0].message.lower()
    assert result.verdict == "block"


@pytest.mark.parametrize("written", CACO3_AS_WRITTEN)
def test_calcium_carbonate_after_an_accepted_filler_blocks_at_its_own_index(checked, written):
    result = checked(preparation={"excipients": ["MCC", "lactose", written]})
    blocks = at_least(in_family(result, "excipient"), Severity.BLOCK)
    assert [f.field for f in blocks] == ["preparation.excipients[2]"], describe(result)
    assert "calcium" in blocks[0].message.lower()


def test_two_calcium_carbonate_spellings_give_two_blocks(checked):
    result = checked(preparation={"excipients": ["chalk", "MCC", "CaCO3"]})
    fields = sorted(f.field for f in at_least(in_family(result, "excipient"), Severity.BLOCK))
    assert fields == ["preparation.excipients[0]", "preparation.excipients[2]"], describe(result)


@pytest.mark.parametrize(
    "written", ["MCC/calcium carbonate blend", "lactose + CaCO3", "Avicel with chalk"]
)
def test_calcium_carbonate_inside_a_blend_still_blocks(checked, written):
    result = checked(preparation={"excipients": [written]})
    assert carbonate_blocks(result), describe(result)


def test_calcium_carbonate_blocks_in_a_liquid_too(checked):
    result = checked(
        preparation={**LIQUID_PREPARATION, "excipients": ["purified water", "calcium carbonate"]},
        sig={"dose": "4.5 mL"},
        quantity=135,
    )
    assert [f.field for f in carbonate_blocks(result)] == ["preparation.excipients[1]"]


@pytest.mark.parametrize("written", SLOWING_FILLERS)
def test_methylcellulose_type_fillers_are_at_least_a_warning(checked, written):
    result = checked(preparation={"excipients": ["MCC", written]})
    flagged = at_least(in_family(result, "excipient"), Severity.WARN)
    assert [f.field for f in flagged] == ["preparation.excipients[1]"], describe(result)
    assert flagged[0].message.strip()
    assert result.verdict in ("warn", "block")


@pytest.mark.parametrize("written", ACCEPTED_FILLERS)
def test_accepted_fillers_pass_with_no_warning(checked, written):
    result = checked(preparation={"excipients": [written]})
    assert at_least(in_family(result, "excipient"), Severity.WARN) == [], describe(result)
    assert result.verdict == "pass", describe(result)


def test_several_accepted_fillers_together_pass(checked):
    excipients = ["Avicel PH-102", "lactose monohydrate", "sucrose"]
    result = checked(preparation={"excipients": excipients})
    assert at_least(in_family(result, "excipient"), Severity.WARN) == [], describe(result)


@pytest.mark.parametrize("written", LIQUID_VEHICLES)
def test_usual_liquid_vehicles_do_not_block(checked, written):
    result = checked(
        preparation={**LIQUID_PREPARATION, "excipients": [written]},
        sig={"dose": "4.5 mL"},
        quantity=135,
    )
    assert worst(in_family(result, "excipient")) is not Severity.BLOCK, describe(result)


@pytest.mark.parametrize("written", UNKNOWN_EXCIPIENTS)
def test_an_unknown_excipient_is_a_warning_not_a_pass_nor_a_block(checked, written):
    result = checked(preparation={"excipients": ["microcrystalline cellulose", written]})
    findings = in_family(result, "excipient")
    assert [(f.severity, f.field) for f in findings if f.severity >= Severity.WARN] == [
        (Severity.WARN, "preparation.excipients[1]")
    ], describe(result)
    assert result.verdict == "warn"


@pytest.mark.parametrize("written", OTHER_CALCIUM_OR_CARBONATE)
def test_other_calcium_salts_and_carbonates_are_not_the_calcium_carbonate_block(checked, written):
    result = checked(preparation={"excipients": [written]})
    assert worst(in_family(result, "excipient")) is not Severity.BLOCK, describe(result)


def test_an_empty_excipient_entry_neither_crashes_nor_blocks(checked):
    result = checked(preparation={"excipients": ["MCC", ""]})
    assert worst(in_family(result, "excipient")) is not Severity.BLOCK, describe(result)


def test_a_pharmacy_list_of_accepted_fillers_never_accepts_calcium_carbonate(checked):
    # A careless setting must not turn the calcium carbonate block off.
    policy = CheckPolicy(
        pharmacy_state="OR", accepted_excipients=frozenset({"calcium carbonate", "CaCO3"})
    )
    result = checked(policy, preparation={"excipients": ["calcium carbonate"]})
    assert carbonate_blocks(result), describe(result)
