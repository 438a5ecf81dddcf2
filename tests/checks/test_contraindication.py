"""Contraindications: who must not take LDN; negations and unrelated conditions pass."""

import pytest

from pharmacy_app.checks import Severity
from tests.checks.conftest import at_least, describe, family, in_family, worst

BLOCKING = [
    ("pregnant", "contraindication.pregnancy"),
    ("Pregnancy", "contraindication.pregnancy"),
    ("Pregnant - 12 weeks", "contraindication.pregnancy"),
    ("breastfeeding", "contraindication.breastfeeding"),
    ("Breast-feeding", "contraindication.breastfeeding"),
    ("nursing", "contraindication.breastfeeding"),
    ("lactating", "contraindication.breastfeeding"),
    ("severe_liver_disease", "contraindication.severe_liver_disease"),
    ("cirrhosis", "contraindication.severe_liver_disease"),
    ("Liver failure", "contraindication.severe_liver_disease"),
    ("acute hepatitis", "contraindication.acute_hepatitis"),
    ("acute_hepatitis", "contraindication.acute_hepatitis"),
    ("severe_kidney_disease", "contraindication.severe_kidney_disease"),
    ("end-stage renal disease", "contraindication.severe_kidney_disease"),
    ("ESRD on dialysis", "contraindication.severe_kidney_disease"),
    ("CKD stage 4", "contraindication.severe_kidney_disease"),
]
FINE = [
    # Past and never severe: information only.
    "history of hepatitis A (resolved)",
    "Hashimoto's thyroiditis",
    "multiple sclerosis",
    "fibromyalgia",
    "Crohn's disease",
    "long COVID",
    "not pregnant",
    "no liver disease",
    "negative pregnancy test",
    "pregnancy ruled out",
    "works in a nursing home",
    "denies breastfeeding",
]
CAUTIONS = [
    "CKD stage 3",
    "fatty liver",
    "hepatic impairment",
    "postpartum",
    "kidney transplant 2019",
    "trying to conceive",
]


@pytest.mark.parametrize(("written", "code"), BLOCKING)
def test_contraindications_block(check, written, code):
    result = check(patient={"conditions": ["fibromyalgia", written]})
    findings = family(result, "contraindication")
    assert [(f.code, f.severity, f.field) for f in findings] == [
        (code, Severity.BLOCK, "patient.conditions[1]")
    ]
    assert result.verdict == "block"


@pytest.mark.parametrize("written", FINE)
def test_unrelated_and_negated_conditions_raise_nothing_above_info(check, written):
    findings = family(check(patient={"conditions": [written]}), "contraindication")
    assert all(f.severity is Severity.INFO for f in findings)


@pytest.mark.parametrize("written", CAUTIONS)
def test_conditions_without_severity_or_in_the_past_warn(check, written):
    findings = family(check(patient={"conditions": [written]}), "contraindication")
    assert [f.severity for f in findings] == [Severity.WARN]


@pytest.mark.parametrize(
    "written",
    [
        "naltrexone",
        "Naltrexone (hives)",
        "NALTREXONE HCL",
        "Revia",
        "Vivitrol",
        "low dose naltrexone - rash",
    ],
)
def test_naltrexone_hypersensitivity_blocks(check, written):
    findings = family(check(patient={"allergies": ["sulfa", written]}), "contraindication")
    assert [(f.code, f.severity, f.field) for f in findings] == [
        ("contraindication.naltrexone_allergy", Severity.BLOCK, "patient.allergies[1]")
    ]


@pytest.mark.parametrize("written", ["penicillin", "sulfa", "latex", "NKDA", "codeine (nausea)"])
def test_other_allergies_raise_nothing(check, written):
    assert family(check(patient={"allergies": [written]}), "contraindication") == []


def test_an_allergy_to_the_filler_warns(check):
    result = check(
        patient={"allergies": ["lactose"]}, preparation={"excipients": ["lactose monohydrate"]}
    )
    assert [f.code for f in family(result, "contraindication")] == [
        "contraindication.excipient_allergy"
    ]


def test_hashimotos_on_thyroid_hormone_gets_a_start_low_note(check):
    result = check(patient={"conditions": ["Hashimoto's"], "medications": ["Synthroid 50 mcg"]})
    assert [(f.code, f.severity) for f in family(result, "contraindication")] == [
        ("contraindication.thyroid_start_low", Severity.INFO)
    ]


# ---------------------------------------------------------------------------------------------
# Contract tests: family prefix, severity and field path (built on make_doc / checked).
# ---------------------------------------------------------------------------------------------

# (as written, words one of which the message should contain)
PREGNANCY = ("pregnan",)
BREASTFEEDING = ("breast", "nursing", "lactat")
LIVER = ("liver", "hepat", "cirrho")
KIDNEY = ("kidney", "renal", "dialysis")

BLOCKING_CONDITIONS = [
    ("pregnant", PREGNANCY),
    ("pregnancy", PREGNANCY),
    ("PREGNANT", PREGNANCY),
    ("Pregnant - 12 weeks", PREGNANCY),
    ("pregnant (2nd trimester)", PREGNANCY),
    ("breastfeeding", BREASTFEEDING),
    ("breast-feeding", BREASTFEEDING),
    ("Breast feeding", BREASTFEEDING),
    ("nursing", BREASTFEEDING),
    ("lactating", BREASTFEEDING),
    ("severe_liver_disease", LIVER),
    ("severe liver disease", LIVER),
    ("cirrhosis", LIVER),
    ("liver failure", LIVER),
    ("hepatic failure", LIVER),
    ("acute hepatitis", LIVER),
    ("acute_hepatitis", LIVER),
    ("Acute Hepatitis B", LIVER),
    ("hepatitis C, acute", LIVER),
    ("severe_kidney_disease", KIDNEY),
    ("severe kidney disease", KIDNEY),
    ("end-stage renal disease", KIDNEY),
    ("ESRD", KIDNEY),
    ("on dialysis", KIDNEY),
    ("hemodialysis", KIDNEY),
]

CONDITIONS_THAT_DO_NOT_BLOCK = [
    "hashimoto's thyroiditis",
    "Hashimoto's",
    "multiple sclerosis",
    "fibromyalgia",
    "Crohn's disease",
    "rheumatoid arthritis",
    "psoriasis",
    "ulcerative colitis",
    "chronic fatigue syndrome",
    "long COVID",
    "depression",
    "not pregnant",
    "Not pregnant",
    "NOT PREGNANT",
    "not breastfeeding",
    "no liver disease",
    "no kidney disease",
    "works in a nursing home",
    "Pregnancy: no",
    "pregnancy test negative",
]

NALTREXONE_ALLERGIES = [
    "naltrexone",
    "Naltrexone (hives)",
    "NALTREXONE HCL",
    "naltrexone - anaphylaxis",
    "Revia",
    "Vivitrol",
]

OTHER_ALLERGIES = ["penicillin", "sulfa", "latex", "NKDA", "NKA", "naproxen", "codeine (nausea)"]


@pytest.mark.parametrize(
    ("written", "words"), BLOCKING_CONDITIONS, ids=[w for w, _ in BLOCKING_CONDITIONS]
)
def test_a_contraindicating_condition_blocks_at_its_index(checked, written, words):
    result = checked(patient={"conditions": ["fibromyalgia", "Hashimoto's", written]})
    blocks = at_least(in_family(result, "contraindication"), Severity.BLOCK)
    assert [f.field for f in blocks] == ["patient.conditions[2]"], describe(result)
    assert any(word in blocks[0].message.lower() for word in words), blocks[0].message
    assert result.verdict == "block"


@pytest.mark.parametrize("written", CONDITIONS_THAT_DO_NOT_BLOCK)
def test_unrelated_or_negated_conditions_do_not_block(checked, written):
    result = checked(patient={"conditions": [written]})
    assert worst(in_family(result, "contraindication")) is not Severity.BLOCK, describe(result)
    assert result.verdict != "block", describe(result)


@pytest.mark.parametrize("written", NALTREXONE_ALLERGIES)
def test_a_naltrexone_allergy_blocks_at_its_index(checked, written):
    result = checked(patient={"allergies": ["penicillin", written]})
    blocks = at_least(in_family(result, "contraindication"), Severity.BLOCK)
    assert [f.field for f in blocks] == ["patient.allergies[1]"], describe(result)
    message = blocks[0].message.lower()
    assert any(word in message for word in ("naltrexone", "allerg", "hypersensitiv")), message


@pytest.mark.parametrize("written", OTHER_ALLERGIES)
def test_other_allergies_raise_no_contraindication(checked, written):
    result = checked(patient={"allergies": [written]})
    assert in_family(result, "contraindication") == [], describe(result)


def test_a_naltrexone_allergy_written_in_conditions_is_at_least_a_warning(checked):
    # Some order systems have one free-text list; the reason must still be caught.
    result = checked(patient={"conditions": ["allergy to naltrexone"]})
    assert at_least(in_family(result, "contraindication"), Severity.WARN), describe(result)


def test_several_contraindications_are_each_reported(checked):
    result = checked(patient={"conditions": ["pregnant", "MS", "ESRD"], "allergies": ["Revia"]})
    blocks = at_least(in_family(result, "contraindication"), Severity.BLOCK)
    fields = sorted(f.field for f in blocks)
    assert fields == [
        "patient.allergies[0]",
        "patient.conditions[0]",
        "patient.conditions[2]",
    ], describe(result)
