"""Free text read clause by clause: a negation, a past word or a brand name reaches only its
own clause, every mention in a line counts, and the written directions are compared with the
dose fields. Cases from a pharmacist's review of realistic prescriptions."""

from __future__ import annotations

import pytest

from pharmacy_app.checks import Severity
from pharmacy_app.checks.rules.text import Standing, read
from tests.checks.conftest import TODAY, family


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
        refills=0,
    )
    assert family(agreed, "supply") == []
    short = check(
        preparation={"strength": "1.5 mg"},
        sig={"dose": "1 capsule", "text": titration},
        quantity=42,
        days_supply=42,
        refills=0,
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
    assert text.standing(text.words.index("norco"), today=TODAY) is Standing.PRESENT
    assert text.standing(text.words.index("tobacco"), today=TODAY) is Standing.DENIED


@pytest.mark.parametrize(
    "written", ["hepatitis B (resolved)", "Hepatitis C: treated and cured 2018"]
)
def test_a_past_condition_that_was_never_severe_is_only_information(check, written):
    findings = family(check(patient={"conditions": [written]}), "contraindication")
    assert [(f.code, f.severity) for f in findings] == [
        ("contraindication.acute_hepatitis_history", Severity.INFO)
    ]


# A second pharmacist's review: EHR pastes, intake forms and chart shorthand.


@pytest.mark.parametrize(
    "written",
    [
        "Discontinued: tramadol",
        "Current Outpatient Medications: sertraline 50 mg; Discontinued: tramadol",
        "Hx: tramadol",
        "Previous meds: tramadol, Norco",
        "Not taking: oxycodone",
        "tramadol (pt stopped)",
        "Norco: patient says she stopped",
        "d/c tramadol",
        "tramadol - not taking",
        "Oxycodone prescribed post-op, never filled",
        "percocet after surgery in 2019",
    ],
)
def test_opioids_listed_as_stopped_warn_rather_than_block(check, written):
    findings = family(check(patient={"medications": [written]}), "interaction")
    assert [(f.code, f.severity) for f in findings] == [("interaction.opioid_past", Severity.WARN)]


@pytest.mark.parametrize(
    "written",
    [
        "no issues with Norco 10/325",
        "no change in oxycodone dose",
        "Denies side effects from tramadol 50 mg bid",
        "Do not crush OxyContin 20 mg",
        "never misses her methadone 80 mg dose",
        "No. 3 Tylenol with codeine",
        "no opiates, just tramadol",
        "Tapering off methadone, currently 10 mg daily",
        "stopped Norco but restarted last month",
        "OUD in sustained remission on buprenorphine",
        "bup/nal 8/2 mg SL daily",
        "Oxy 5mg q6h prn",
        "Norcos prn",
        "B&O supp prn bladder spasm",
        "MSER 15 mg q12h",
    ],
)
def test_current_opioid_use_however_it_is_written_blocks(check, written):
    findings = family(check(patient={"medications": [written]}), "interaction")
    assert Severity.BLOCK in [f.severity for f in findings], findings


@pytest.mark.parametrize(
    ("field", "written"),
    [
        ("medications", "Opioid use: none"),
        ("medications", "Opioids (including tramadol): none"),
        ("medications", "Narcotics: N/A"),
        ("medications", "Codeine (allergy)"),
        ("medications", "husband on methadone"),
        ("conditions", "Pregnancy status: not pregnant"),
        ("conditions", "Pregnancy: N/A"),
        ("conditions", "Pregnancy: ruled out"),
        ("conditions", "Is the patient pregnant or breastfeeding? No"),
        ("conditions", "Pregnancy status: postmenopausal"),
        ("conditions", "Negative for: hepatitis, cirrhosis, CKD"),
        ("conditions", "Denies: fever, chills, opioid use"),
        ("conditions", "FHx: mother with cirrhosis"),
        ("conditions", "father with kidney failure on dialysis"),
        ("conditions", "dialysis nurse"),
        ("conditions", "Hep B vaccine"),
        ("conditions", "liver enzymes normal"),
        ("conditions", "hair transplant"),
    ],
)
def test_answers_headers_and_other_people_clear_a_mention(check, field, written):
    result = check(patient={field: [written]})
    assert [f for f in result.findings if f.severity >= Severity.WARN] == [], result.findings


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Pregnancy: No, Lactation: Yes", "contraindication.breastfeeding"),
        ("history of cirrhosis", "contraindication.severe_liver_disease"),
        ("Hx of ESRD on HD", "contraindication.severe_kidney_disease"),
        ("Chronic kidney disease, stage 5", "contraindication.severe_kidney_disease"),
        ("expecting twins", "contraindication.pregnancy"),
        ("G2P1 currently 20 wks", "contraindication.pregnancy"),
        ("pumping breast milk", "contraindication.breastfeeding"),
    ],
)
def test_lasting_or_plainly_written_contraindications_block(check, written, code):
    findings = family(check(patient={"conditions": [written]}), "contraindication")
    assert (code, Severity.BLOCK) in [(f.code, f.severity) for f in findings], findings


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("chronic HBV on tenofovir", "contraindication.acute_hepatitis_unconfirmed"),
        ("transaminitis", "contraindication.severe_liver_disease_unconfirmed"),
        ("creatinine 2.4", "contraindication.severe_kidney_disease_unconfirmed"),
        ("Pregnant: unknown", "contraindication.pregnancy_unconfirmed"),
        ("kidney transplant candidate", "contraindication.transplant"),
    ],
)
def test_conditions_to_confirm_as_written_in_charts_warn(check, written, code):
    findings = family(check(patient={"conditions": [written]}), "contraindication")
    assert (code, Severity.WARN) in [(f.code, f.severity) for f in findings], findings


def test_a_reaction_belongs_to_its_own_allergen(check):
    findings = family(
        check(patient={"allergies": ["PCN (hives), naltrexone (nausea)"]}), "contraindication"
    )
    assert [(f.code, f.severity) for f in findings] == [
        ("contraindication.naltrexone_intolerance", Severity.WARN)
    ]


@pytest.mark.parametrize("allergy", ["Lactose (GI upset)", "PCN, lactose", "milk protein allergy"])
def test_an_allergen_written_with_its_reaction_still_names_the_filler(check, allergy):
    result = check(
        patient={"allergies": [allergy]}, preparation={"excipients": ["lactose monohydrate"]}
    )
    codes = [f.code for f in family(result, "contraindication")]
    assert codes == ["contraindication.excipient_allergy"]


@pytest.mark.parametrize(
    "written",
    ["MCC w/o calcium carbonate", "MCC instead of calcium carbonate", "avoid calcium carbonate"],
)
def test_calcium_carbonate_written_as_left_out_passes(check, written):
    assert family(check(preparation={"excipients": [written]}), "excipient") == []


@pytest.mark.parametrize("written", ["DRcaps size 3", "enteric capsules", "Caltrate"])
def test_delayed_release_shells_and_calcium_carbonate_brands_block(check, written):
    findings = family(check(preparation={"excipients": [written]}), "excipient")
    assert [f.severity for f in findings] == [Severity.BLOCK]


@pytest.mark.parametrize(
    "written",
    ["Avicel PH102 q.s.", "MCC q.s. to fill", "baking soda", "acidophilus (dairy free)", "none"],
)
def test_accepted_fillers_in_everyday_spellings_pass(check, written):
    assert family(check(preparation={"excipients": [written]}), "excipient") == []


@pytest.mark.parametrize("written", ["IR; start slow", "IR (go low and slow)", "fast release"])
def test_release_written_with_the_titration_motto_or_plainly_passes(check, written):
    assert family(check(preparation={"release": written}), "release") == []


def test_a_titration_with_refills_warns_that_a_refill_would_start_it_again(check):
    titration = (
        "Take 1 capsule (1.5 mg) at bedtime for 14 days, then 2 capsules (3 mg) at bedtime "
        "for 14 days, then 3 capsules (4.5 mg) at bedtime"
    )
    written = {"preparation": {"strength": "1.5 mg"}, "quantity": 84, "days_supply": 42}
    refilled = check(sig={"dose": "1 capsule", "text": titration}, refills=2, **written)
    [finding] = family(refilled, "supply")
    assert (finding.code, finding.severity.name, finding.field) == (
        "supply.titration_refills",
        "WARN",
        "refills",
    )
    assert "start the schedule again" in finding.message
    # The same directions without a schedule (one dose throughout) are refilled as usual.
    steady = check(sig={"text": "Take 1 capsule (4.5 mg) at bedtime"}, refills=2)
    assert family(steady, "supply") == []


def test_a_titration_that_cannot_be_made_from_this_strength_says_so(check):
    result = check(
        sig={"text": "Start 1.5mg qhs x 2 wks then 3mg qhs x 2wks then 4.5mg qhs"},
        refills=0,
    )
    findings = family(result, "supply")
    assert [f.code for f in findings] == ["supply.titration_not_whole_capsules"]
    assert "1.5 mg, 3 mg" in findings[0].message


def test_directions_that_allow_more_than_the_usual_range_warn(check):
    result = check(sig={"text": "1 cap qhs, may increase to 2 caps qhs after 2 weeks"})
    assert "dose.directions_above_usual" in [f.code for f in result.findings]


def test_every_other_night_is_counted_for_the_quantity(check):
    right = check(sig={"text": "Take 1 capsule every other night"}, quantity=15)
    assert family(right, "supply") == []
    double = check(sig={"text": "Take 1 capsule every other night"}, quantity=30)
    assert [f.code for f in family(double, "supply")] == ["supply.quantity_excess"]


@pytest.mark.parametrize(
    ("sig", "says"),
    [
        ({"text": "0.5 mL SL daily"}, "mL"),
        ({"text": "1 cap po qhs x 90d"}, "90 days"),
    ],
)
def test_directions_in_the_wrong_unit_or_for_another_length_disagree(check, sig, says):
    findings = family(check(sig=sig), "supply")
    assert [f.code for f in findings] == ["supply.directions_disagree"]
    assert says in findings[0].message


@pytest.mark.parametrize("state", ["OR - Oregon", "Oregon (OR)"])
def test_a_state_written_twice_is_read(check, state):
    assert family(check(prescriber={"state": state}), "prescriber") == []
