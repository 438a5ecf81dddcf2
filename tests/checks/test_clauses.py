"""Free text read clause by clause: a negation, a past word or a brand name reaches only its
own clause, every mention in a line counts, and the written directions are compared with the
dose fields. Cases from a pharmacist's review of realistic prescriptions."""

from __future__ import annotations

import pytest

from pharmacy_app.checks import Severity
from pharmacy_app.checks.rules.text import Standing, read
from tests.checks.conftest import family


def worst(findings):
    return max((f.severity for f in findings), default=None)


# A negation in one clause does not clear a contraindication in the next.
@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("non-smoker, pregnant", "contraindication.pregnancy"),
        ("no complications; 20 weeks pregnant", "contraindication.pregnancy"),
        ("Non-diabetic. Currently breastfeeding", "contraindication.breastfeeding"),
        ("no alcohol; cirrhosis Child-Pugh C", "contraindication.severe_liver_disease"),
        ("never smoked, ESRD on hemodialysis", "contraindication.severe_kidney_disease"),
        ("not on dialysis yet, CKD 4", "contraindication.severe_kidney_disease"),
        ("NAFLD, ESRD on HD", "contraindication.severe_kidney_disease"),
        ("Hepatitis C, on dialysis", "contraindication.severe_kidney_disease"),
        ("trying to conceive, cirrhosis", "contraindication.severe_liver_disease"),
        ("alcoholic cirrhosis, quit drinking 2019", "contraindication.severe_liver_disease"),
        ("currently pregnant, previously on LDN 3 mg", "contraindication.pregnancy"),
        ("No prior pregnancies; currently 8 weeks pregnant", "contraindication.pregnancy"),
        ("12 weeks gestation", "contraindication.pregnancy"),
        ("gestational diabetes, 30 wks", "contraindication.pregnancy"),
        ("eGFR 12", "contraindication.severe_kidney_disease"),
        ("CrCl 14 mL/min", "contraindication.severe_kidney_disease"),
        ("CKD G4", "contraindication.severe_kidney_disease"),
        ("acute viral hepatitis", "contraindication.acute_hepatitis"),
        ("hepatitis C, acute", "contraindication.acute_hepatitis"),
    ],
)
def test_a_contraindication_in_its_own_clause_blocks(check, written, code):
    findings = family(check(patient={"conditions": [written]}), "contraindication")
    assert (code, Severity.BLOCK) in [(f.code, f.severity) for f in findings], findings


@pytest.mark.parametrize(
    "written",
    [
        "not pregnant",
        "Pregnancy: no",
        "Pregnant: N",
        "pregnancy ruled out",
        "no liver or kidney disease",
        "CKD stage 2",
        "eGFR 85",
        "works in a nursing home",
    ],
)
def test_a_denied_or_mild_condition_raises_nothing(check, written):
    assert family(check(patient={"conditions": [written]}), "contraindication") == []


def test_a_condition_in_a_negated_list_is_a_warning_to_confirm_not_a_pass(check):
    findings = family(
        check(patient={"conditions": ["denies fever, chills, pregnancy"]}), "contraindication"
    )
    assert [(f.code, f.severity) for f in findings] == [
        ("contraindication.pregnancy_unconfirmed", Severity.WARN)
    ]
    assert "negation" in findings[0].message


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("liver transplant 2015", "contraindication.transplant"),
        ("Child-Pugh B", "contraindication.severe_liver_disease_unconfirmed"),
        ("eGFR 45", "contraindication.severe_kidney_disease_unconfirmed"),
        ("hepatitis B (resolved)", "contraindication.acute_hepatitis_unconfirmed"),
    ],
)
def test_conditions_that_need_confirming_warn(check, written, code):
    findings = family(check(patient={"conditions": [written]}), "contraindication")
    assert [(f.code, f.severity) for f in findings] == [(code, Severity.WARN)]


@pytest.mark.parametrize(
    "written",
    [
        "non-smoker; oxycodone 10 mg q6h",
        "no NSAIDs - uses tramadol instead",
        "Denies alcohol or tobacco. Norco 10/325 prn",
        "no change: tramadol 50 mg bid",
        "denies opioid use; tramadol 50 mg prn",
        "no opioids other than tramadol 50mg prn",
        "methadone 80 mg daily (hx of heroin use)",
        "methadone 20 mg daily (tapered from 80)",
        "oxycodone 5mg prn, previously 10mg",
        "fentanyl 25 mcg/hr patch - prior auth approved",
        "morphine sulfate 15 mg, dc'd ibuprofen",
        "Oxy IR 5 mg q6h prn",
        "MSIR 15 mg prn",
        "Oramorph SR 30 mg",
        "Robitussin AC 10 mL hs prn",
        "APAP/cod 300/30",
        "Tyl #3 prn",
        "Trezix",
        "Hydromet syrup 5 mL",
        "7-OH (7-hydroxymitragynine) tablets",
        "tianeptine 12.5 mg",
    ],
)
def test_an_opioid_taken_now_blocks_whatever_else_the_line_says(check, written):
    findings = family(check(patient={"medications": [written]}), "interaction")
    assert [(f.code, f.severity) for f in findings] == [("interaction.opioid", Severity.BLOCK)]


@pytest.mark.parametrize(
    "written",
    [
        "Tylenol, 3 times a day prn",
        "Tylenol 3 times a day",
        "codeine-free cough syrup",
        "opioid naive",
        "no opiods",
        "no opioids",
    ],
)
def test_no_opioid_is_read_where_none_is_taken(check, written):
    assert family(check(patient={"medications": [written]}), "interaction") == []


@pytest.mark.parametrize(
    "written",
    [
        "hx opioid use disorder, on Suboxone",
        "OUD on buprenorphine",
    ],
)
def test_opioid_treatment_written_in_conditions_blocks(check, written):
    findings = family(check(patient={"conditions": [written]}), "interaction")
    assert worst(findings) is Severity.BLOCK


def test_opioid_use_disorder_in_remission_warns_to_confirm(check):
    findings = family(
        check(patient={"conditions": ["opioid use disorder in remission"]}), "interaction"
    )
    assert [(f.code, f.severity) for f in findings] == [("interaction.opioid_past", Severity.WARN)]
    assert "opioid" in findings[0].message


def test_a_naloxone_rescue_kit_warns_that_it_signals_opioid_use(check):
    findings = family(
        check(patient={"medications": ["naloxone nasal spray (Narcan) kept at home"]}),
        "interaction",
    )
    assert [f.severity for f in findings] == [Severity.WARN]
    assert "overdose" in findings[0].message
    assert "duplicate" not in findings[0].message


@pytest.mark.parametrize(
    "written",
    [
        "no known allergies except naltrexone",
        "none known; Revia",
        "naltrexone (hives)",
    ],
)
def test_a_naltrexone_allergy_behind_a_negated_clause_still_blocks(check, written):
    findings = family(check(patient={"allergies": [written]}), "contraindication")
    assert [(f.code, f.severity) for f in findings] == [
        ("contraindication.naltrexone_allergy", Severity.BLOCK)
    ]


@pytest.mark.parametrize(
    "written", ["Naltrexone 50 mg - nausea (intolerance)", "LDN - vivid dreams"]
)
def test_a_side_effect_written_as_an_allergy_warns_instead_of_blocking(check, written):
    findings = family(check(patient={"allergies": [written]}), "contraindication")
    assert [(f.code, f.severity) for f in findings] == [
        ("contraindication.naltrexone_intolerance", Severity.WARN)
    ]


@pytest.mark.parametrize(
    "written",
    [
        "non-GMO calcium carbonate",
        "No MCC; use Ca carb",
        "dye-free, no gelatin, calcium carbonate",
        "Calcium (as carbonate)",
        "Cal-Carb",
    ],
)
def test_calcium_carbonate_blocks_behind_other_clauses(check, written):
    findings = family(check(preparation={"excipients": [written]}), "excipient")
    assert [(f.code, f.severity) for f in findings] == [
        ("excipient.calcium_carbonate", Severity.BLOCK)
    ]


@pytest.mark.parametrize(
    "written", ["dicalcium phosphate (caps)", "talc capsule fill", "Filler: dicalcium phosphate"]
)
def test_shell_words_do_not_exempt_an_unknown_filler(check, written):
    findings = family(check(preparation={"excipients": [written]}), "excipient")
    assert [(f.code, f.severity) for f in findings] == [("excipient.unknown", Severity.WARN)]


@pytest.mark.parametrize(
    "written", ["sodium bicarb", "Avicel PH-105", "MCC (no HPMC)", "HPMC capsules"]
)
def test_accepted_fillers_as_written_pass(check, written):
    assert family(check(preparation={"excipients": [written]}), "excipient") == []


def test_slow_titration_next_to_ir_is_not_slow_release(check):
    assert family(check(preparation={"release": "IR - slow titration"}), "release") == []


def test_a_release_word_in_its_own_sentence_of_the_sig_warns(check):
    findings = family(check(sig={"text": "Take 1 capsule at bedtime. Do not crush. SR"}), "release")
    assert [f.code for f in findings] == ["release.modified_in_sig"]


@pytest.mark.parametrize("form", ["oral_liquid", "sublingual_drops"])
def test_release_not_applicable_on_a_liquid_is_only_information(check, form):
    result = check(
        preparation={"dosage_form": form, "strength": "1 mg/mL", "release": "N/A"},
        sig={"dose": "4.5 mL", "text": ""},
        quantity=135,
    )
    assert [f.severity for f in family(result, "release")] == [Severity.INFO]


def test_directions_saying_twice_daily_disagree_with_once_a_day(check):
    findings = family(check(sig={"text": "Take 1 capsule by mouth twice daily"}), "supply")
    assert [(f.code, f.field) for f in findings] == [("supply.directions_disagree", "sig.text")]
    assert "twice" in findings[0].message


def test_directions_naming_another_amount_disagree_with_the_dose(check):
    findings = family(check(sig={"text": "Take 2 capsules (9 mg) at bedtime"}), "supply")
    assert [f.code for f in findings] == ["supply.directions_disagree"]
    assert "9 mg" in findings[0].message


def test_directions_that_repeat_the_dose_fields_agree(check):
    result = check(sig={"text": "Take 1 capsule (4.5 mg) by mouth every night at bedtime"})
    assert family(result, "supply") == []


def test_a_titration_written_as_steps_is_counted_for_the_quantity(check):
    titration = (
        "Take 1 capsule (1.5 mg) at bedtime for 14 days, then 2 capsules (3 mg) at bedtime "
        "for 14 days, then 3 capsules (4.5 mg) at bedtime"
    )
    # 14 x 1 + 14 x 2 + 14 x 3 = 84 capsules over 42 days.
    agreed = check(
        preparation={"strength": "1.5 mg"},
        sig={"dose": "1 capsule", "text": titration},
        quantity=84,
        days_supply=42,
    )
    assert family(agreed, "supply") == []
    short = check(
        preparation={"strength": "1.5 mg"},
        sig={"dose": "1 capsule", "text": titration},
        quantity=42,
        days_supply=42,
    )
    findings = family(short, "supply")
    assert [f.code for f in findings] == ["supply.quantity_short"]
    assert "84 capsules over 42 days" in findings[0].message


@pytest.mark.parametrize(("state", "code"), [("Oregon", None), ("Wash.", None), ("Ore.", None)])
def test_a_state_written_out_is_read_as_its_code(check, state, code):
    result = check(prescriber={"credential": "ND", "state": state})
    assert family(result, "prescriber") == []


def test_a_licence_pending_verification_is_no_licence(check):
    findings = family(check(prescriber={"license_number": "pending verification"}), "prescriber")
    assert [(f.code, f.severity) for f in findings] == [
        ("prescriber.license_missing", Severity.BLOCK)
    ]


@pytest.mark.parametrize(
    ("strength", "code"),
    [("5 mcg", "dose.possible_unit_slip"), ("6 mcg", "dose.possible_unit_slip")],
)
def test_microgram_strengths_that_would_be_ordinary_in_mg_warn_of_a_slip(check, strength, code):
    assert code in [f.code for f in family(check(preparation={"strength": strength}), "dose")]


@pytest.mark.parametrize(
    ("preparation", "dose"),
    [
        ({"strength": "0.04 mcg"}, "1 capsule"),
        ({"dosage_form": "oral_liquid", "strength": "1 mcg/mL"}, "0.03 mL"),
    ],
)
def test_ultra_low_doses_are_checked_without_failing(check, preparation, dose):
    result = check(preparation=preparation, sig={"dose": dose, "text": ""})
    assert result.verdict == "warn"
    assert result.dose.mg_per_dose is not None and result.dose.mg_per_dose > 0


def test_reading_keeps_every_word_in_order():
    text = read("Denies alcohol or tobacco. Norco 10/325 prn")
    assert " ".join(text.words) == "denies alcohol or tobacco norco 10 325 prn"
    assert text.standing(text.words.index("norco")) is Standing.PRESENT
    assert text.standing(text.words.index("tobacco")) is Standing.DENIED
