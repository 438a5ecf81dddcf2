"""Interactions: opioids block by any name; non-opioids raise nothing."""

import pytest

from pharmacy_app.checks import Severity
from tests.checks.conftest import family

OPIOIDS = [
    "tramadol",
    "Tramadol 50 mg tab",
    "TRAMADOL HCL 50MG",
    "Ultram",
    "Ultracet",
    "oxycodone",
    "OxyContin 10 mg ER",
    "Percocet 5/325",
    "oxycodone/acetaminophen 5/325",
    "Roxicodone",
    "hydrocodone",
    "Norco 10/325",
    "Vicodin",
    "hydrocodone-APAP",
    "morphine sulfate ER 15 mg",
    "MS Contin",
    "codeine",
    "Tylenol #3",
    "Tylenol No. 3",
    "Tylenol with codeine",
    "acetaminophen-codeine 300/30",
    "promethazine with codeine",
    "fentanyl",
    "fentanyl 25 mcg/hr patch",
    "Duragesic",
    "methadone 10 mg",
    "buprenorphine",
    "Suboxone 8/2 film",
    "buprenorphine/naloxone",
    "Subutex",
    "Butrans",
    "Belbuca",
    "Sublocade injection",
    "hydromorphone",
    "Dilaudid",
    "tapentadol",
    "Nucynta",
    "meperidine",
    "Demerol",
    "oxymorphone",
    "kratom",
    "Lomotil",
    "diphenoxylate/atropine",
    "butorphanol nasal spray",
    "pentazocine",
    "levorphanol",
    "opioid pain medication",
]
NON_OPIOIDS = [
    "levothyroxine",
    "Synthroid 75 mcg",
    "metformin 500 mg",
    "vitamin D3",
    "ibuprofen",
    "acetaminophen",
    "Tylenol 500 mg",
    "gabapentin",
    "sertraline",
    "loratadine",
    "cod liver oil",
    "dextromethorphan",
    "hydroxychloroquine",
    "oxybutynin",
    "oxcarbazepine",
    "methylphenidate",
    "metoprolol",
    "Armour Thyroid",
    "liothyronine (T3) 5 mcg",
    "hydroxyzine",
    "methocarbamol",
    "trazodone",
    "tizanidine",
    "naproxen",
    "no opioids",
]


@pytest.mark.parametrize("written", OPIOIDS)
def test_opioids_block_by_generic_brand_or_combination(check, written):
    result = check(patient={"medications": ["levothyroxine 50 mcg", written]})
    findings = family(result, "interaction")
    assert [(f.code, f.severity, f.field) for f in findings] == [
        ("interaction.opioid", Severity.BLOCK, "patient.medications[1]")
    ]
    assert "opioid" in findings[0].message


@pytest.mark.parametrize("written", NON_OPIOIDS)
def test_non_opioids_raise_nothing(check, written):
    assert family(check(patient={"medications": [written]}), "interaction") == []


@pytest.mark.parametrize(
    "written", ["tramadal 50 mg", "oxycodon", "Percoset", "hydrocodon-apap", "fentanil patch"]
)
def test_misspelt_opioids_warn(check, written):
    findings = family(check(patient={"medications": [written]}), "interaction")
    assert [(f.code, f.severity) for f in findings] == [
        ("interaction.opioid_spelling", Severity.WARN)
    ]


@pytest.mark.parametrize(
    "written", ["tramadol - stopped 2023", "hx of oxycodone use", "Norco (discontinued)"]
)
def test_stopped_opioids_warn_to_confirm(check, written):
    findings = family(check(patient={"medications": [written]}), "interaction")
    assert [(f.code, f.severity) for f in findings] == [("interaction.opioid_past", Severity.WARN)]


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("loperamide 2 mg", "interaction.peripheral_opioid"),
        ("Imodium A-D", "interaction.peripheral_opioid"),
        ("Narcan nasal spray", "interaction.duplicate_antagonist"),
        ("naltrexone 50 mg", "interaction.duplicate_antagonist"),
        ("Vivitrol 380 mg", "interaction.duplicate_antagonist"),
        ("Movantik 25 mg", "interaction.duplicate_antagonist"),
        ("LDN 1.5 mg", "interaction.ldn_already"),
        ("tacrolimus 1 mg", "interaction.immunosuppressant"),
    ],
)
def test_related_medicines_warn_without_blocking(check, written, code):
    findings = family(check(patient={"medications": [written]}), "interaction")
    assert [(f.code, f.severity) for f in findings] == [(code, Severity.WARN)]
