"""Contraindications: who must not take LDN; negations and unrelated conditions pass."""

import pytest

from pharmacy_app.checks import Severity
from tests.checks.conftest import family

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
    "history of hepatitis A (resolved)",
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
