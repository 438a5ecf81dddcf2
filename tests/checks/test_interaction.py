"""Interactions: opioids block by any name; non-opioids raise nothing."""

import pytest

from pharmacy_app.checks import Severity
from tests.checks.conftest import at_least, describe, family, in_family, worst

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


# ---------------------------------------------------------------------------------------------
# Contract tests: family prefix, severity and field path (built on make_doc / checked).
# ---------------------------------------------------------------------------------------------

OPIOIDS_AS_WRITTEN = [
    # tramadol
    "tramadol",
    "Tramadol 50 mg tab",
    "TRAMADOL HCL",
    "Ultram",
    # oxycodone
    "oxycodone",
    "oxyCODONE 5 mg q6h prn",  # tall-man lettering
    "OxyContin",
    "Percocet",
    "oxycodone/acetaminophen 5/325",
    "oxycodone-acetaminophen",
    # hydrocodone
    "hydrocodone",
    "HYDROcodone bitartrate",
    "Norco",
    "Vicodin",
    "hydrocodone-APAP",
    # morphine
    "morphine",
    "MS Contin",
    "morphine sulfate ER 15 mg",
    "morphine 10 mg/mL inj",
    # codeine
    "codeine",
    "Tylenol #3",
    "Tylenol with codeine",
    "acetaminophen-codeine",
    "APAP/codeine 300/30",
    "codeine cough syrup",
    "promethazine with codeine",
    # fentanyl
    "fentanyl",
    "fentanyl 25 mcg/hr patch",
    "Fentanyl 25mcg/hr TD q72h",
    "Duragesic",
    # methadone / buprenorphine
    "methadone",
    "methadone 10 mg/mL oral concentrate",
    "buprenorphine",
    "Suboxone",
    "buprenorphine/naloxone",
    "Subutex",
    "Butrans",
    "Belbuca",
    # others
    "hydromorphone",
    "HYDROmorphone 2 mg IV",
    "Dilaudid",
    "tapentadol",
    "Nucynta",
    "meperidine",
    "Demerol",
    "oxymorphone",
    "kratom",
    # as copied out of other systems' medication lists
    "1. Tramadol 50 mg",
    "- tramadol",
    "Rx: oxycodone 5mg",
    "PRN Norco",
    "Tramadol\u00a050 mg",
    "OXYCODONE/APAP",
    "tramadol (Ultram) 50mg BID",
]

OTHER_OPIOID_BRANDS = [
    "Roxicodone",
    "Endocet",
    "Lortab",
    "Hysingla ER",
    "Zohydro ER",
    "Kadian",
    "Xtampza ER",
    "Opana",
    "Zubsolv",
    "Sublocade",
    "Ultracet",
    "ConZip",
    "Tussionex",
]

OPIOID_ANTAGONISTS = [
    "Narcan nasal spray",
    "naloxone",
    "nalmefene",
    "naltrexone 50 mg",
    "Vivitrol",
    "naloxegol",
    "Movantik",
]

NON_OPIOIDS_AS_WRITTEN = [
    "levothyroxine",
    "Synthroid 75 mcg",
    "Armour Thyroid",
    "metformin",
    "vitamin D3",
    "ibuprofen",
    "acetaminophen",
    "Tylenol",
    "Tylenol PM",
    "gabapentin",
    "sertraline",
    "loratadine",
    "cod liver oil",
    "hydroxychloroquine",
    "hydrochlorothiazide",
    "hydrocortisone 10 mg",
    "oxybutynin",
    "oxcarbazepine",
    "methylphenidate",
    "methotrexate 15 mg weekly",
    "methimazole",
    "methylprednisolone",
    "methylcobalamin (B12)",
    "metoprolol",
    "bupropion XL 150 mg",
    "buspirone",
    "naproxen",
    "duloxetine",
    "amitriptyline",
    "cyclobenzaprine",
    "prednisone",
    "omeprazole",
    "fish oil",
]


def opioid_blocks(result):
    return at_least(in_family(result, "interaction"), Severity.BLOCK)


@pytest.mark.parametrize("written", OPIOIDS_AS_WRITTEN)
def test_an_opioid_in_the_medication_list_blocks_at_its_index(checked, written):
    result = checked(patient={"medications": ["levothyroxine 50 mcg", written]})
    blocks = opioid_blocks(result)
    assert [f.field for f in blocks] == ["patient.medications[1]"], describe(result)
    assert "opioid" in blocks[0].message.lower()
    assert result.verdict == "block"


@pytest.mark.parametrize("written", OTHER_OPIOID_BRANDS)
def test_less_common_opioid_brands_block_too(checked, written):
    result = checked(patient={"medications": [written]})
    assert [f.field for f in opioid_blocks(result)] == ["patient.medications[0]"], describe(result)


@pytest.mark.parametrize("index", [0, 1, 3])
def test_the_opioid_field_points_at_the_right_list_entry(checked, index):
    medications = ["metformin", "vitamin D3", "sertraline", "fish oil"]
    medications[index] = "Norco 10/325"
    result = checked(patient={"medications": medications})
    assert [f.field for f in opioid_blocks(result)] == [f"patient.medications[{index}]"]


def test_two_opioids_give_two_blocks(checked):
    result = checked(patient={"medications": ["tramadol", "metformin", "fentanyl patch"]})
    fields = sorted(f.field for f in opioid_blocks(result))
    assert fields == ["patient.medications[0]", "patient.medications[2]"], describe(result)


@pytest.mark.parametrize("written", ["Lomotil", "diphenoxylate", "diphenoxylate/atropine"])
def test_diphenoxylate_is_at_least_a_warning(checked, written):
    result = checked(patient={"medications": [written]})
    flagged = at_least(in_family(result, "interaction"), Severity.WARN)
    assert [f.field for f in flagged] == ["patient.medications[0]"], describe(result)


@pytest.mark.parametrize("written", ["loperamide", "Loperamide 2 mg", "Imodium", "Imodium A-D"])
def test_loperamide_is_a_warning_at_most(checked, written):
    result = checked(patient={"medications": [written]})
    assert worst(in_family(result, "interaction")) in (None, Severity.INFO, Severity.WARN)
    assert result.verdict != "block", describe(result)


@pytest.mark.parametrize("written", OPIOID_ANTAGONISTS)
def test_another_opioid_antagonist_is_a_duplicate_therapy_warning_not_a_block(checked, written):
    result = checked(patient={"medications": [written]})
    findings = in_family(result, "interaction")
    assert worst(findings) is Severity.WARN, describe(result)
    assert [f.field for f in at_least(findings, Severity.WARN)] == ["patient.medications[0]"]


@pytest.mark.parametrize("written", NON_OPIOIDS_AS_WRITTEN)
def test_a_non_opioid_raises_no_interaction_finding_at_all(checked, written):
    result = checked(patient={"medications": ["levothyroxine 50 mcg", written]})
    assert in_family(result, "interaction") == [], describe(result)


@pytest.mark.parametrize("written", ["dextromethorphan", "Delsym", "Robitussin DM"])
def test_dextromethorphan_does_not_block(checked, written):
    result = checked(patient={"medications": [written]})
    assert worst(in_family(result, "interaction")) is not Severity.BLOCK, describe(result)


@pytest.mark.parametrize("written", ["denies opioid use", "opioid-naive", "no opioids"])
def test_a_stated_absence_of_opioids_does_not_block(checked, written):
    result = checked(patient={"medications": [written]})
    assert worst(in_family(result, "interaction")) is not Severity.BLOCK, describe(result)


def test_no_medications_raise_no_interaction(checked):
    assert in_family(checked(patient={"medications": []}), "interaction") == []


@pytest.mark.parametrize("written", ["codeine", "morphine (itching)", "tramadol - rash"])
def test_an_opioid_allergy_is_not_an_opioid_in_use(checked, written):
    # The allergy list says what the patient must not get, not what they take.
    result = checked(patient={"allergies": [written]})
    assert opioid_blocks(result) == [], describe(result)


@pytest.mark.parametrize(
    "written",
    [
        "chronic pain on oxycodone",
        "opioid use disorder on methadone maintenance",
        "opioid dependence",
    ],
)
def test_opioid_use_written_in_the_conditions_is_at_least_a_warning(checked, written):
    # Not in the medication list, but the pharmacist must still see it.
    result = checked(patient={"conditions": [written]})
    flagged = [f for f in result.findings if f.severity >= Severity.WARN]
    assert [f.field for f in flagged] == ["patient.conditions[0]"], describe(result)
