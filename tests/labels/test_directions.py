"""Directions on the label: the plain line only when the prescriber's words add nothing to it;
otherwise their words, with sig shorthand written out only where its meaning is certain."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pharmacy_app.labels.directions import Sig, label_directions
from pharmacy_app.labels.shorthand import written_out


def capsule(text: str = "", **changes) -> Sig:
    values = {
        "dosage_form": "capsule",
        "mg_per_dose": Decimal("4.5"),
        "strength_mg": Decimal("4.5"),
        "ml_per_dose": None,
        "times_per_day": 1,
        "time_of_day": "bedtime",
        "text": text,
    }
    return Sig(**(values | changes))


PLAIN = "Take 1 capsule (4.5 mg) by mouth at bedtime"
TITRATION = (
    "Take 1 capsule (1.5 mg) at bedtime for 14 days, then 2 capsules (3 mg) at bedtime for "
    "14 days, then 3 capsules (4.5 mg) at bedtime"
)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Take 1 capsule by mouth at bedtime",
        "Take one capsule by mouth at bedtime.",
        "1 cap po qhs",
        "Take 1 capsule (4.5 mg) orally once daily at bedtime",
        "Sig: 1 capsule at night",
        "Take 4.5 mg by mouth nightly",
        "1 cap PO QD at bedtime",
    ],
)
def test_the_plain_line_prints_when_the_written_text_adds_nothing(text):
    assert label_directions(capsule(text)) == PLAIN


def test_a_titration_schedule_gains_its_route_and_keeps_its_steps():
    sig = capsule(TITRATION, mg_per_dose=Decimal("1.5"), strength_mg=Decimal("1.5"))
    assert label_directions(sig) == TITRATION.replace("(1.5 mg) at", "(1.5 mg) by mouth at")


def test_a_titration_in_shorthand_is_given_in_capsules_and_mg():
    sig = capsule(
        "1 cap po qhs x 14d, then 2 caps po qhs x 14d, then 3 caps po qhs",
        mg_per_dose=Decimal("1.5"),
        strength_mg=Decimal("1.5"),
    )
    assert label_directions(sig) == (
        "Take 1 capsule (1.5 mg) by mouth at bedtime for 14 days, then 2 capsules (3 mg) at "
        "bedtime for 14 days, then 3 capsules (4.5 mg) at bedtime"
    )


@pytest.mark.parametrize(
    ("form", "dose", "text", "kept"),
    [
        ("topical_cream", "1", "Apply 1 mL to the inner wrist at bedtime", "to the inner wrist"),
        ("oral_liquid", "4.5", "Take 4.5 mL at bedtime. Shake well.", "Shake well"),
        ("oral_liquid", "4.5", "Take 4.5 mL by mouth at bedtime using the oral syringe", "syringe"),
    ],
)
def test_sites_and_handling_in_the_prescribers_words_reach_the_label(form, dose, text, kept):
    sig = capsule(
        text,
        dosage_form=form,
        mg_per_dose=Decimal(dose) / 2 if form == "topical_cream" else Decimal(dose),
        strength_mg=Decimal("0.5") if form == "topical_cream" else Decimal(1),
        ml_per_dose=Decimal(dose),
    )
    assert label_directions(sig) == text
    assert kept in label_directions(sig)


@pytest.mark.parametrize(("times", "said"), [(2, "twice a day"), (3, "3 times a day")])
def test_several_doses_a_day_never_share_one_time_of_day(times, said):
    for text in ("", "Take 1 capsule by mouth twice daily" if times == 2 else "1 cap po tid"):
        directions = label_directions(
            capsule(text, times_per_day=times, mg_per_dose=Decimal(3), strength_mg=Decimal(3))
        )
        assert directions == f"Take 1 capsule (3 mg) by mouth {said}"
        assert "bedtime" not in directions


def test_split_times_written_by_the_prescriber_are_kept():
    sig = capsule("1 cap po qam and 1 cap po qhs", times_per_day=2)
    assert label_directions(sig) == (
        "Take 1 capsule by mouth in the morning and 1 capsule by mouth at bedtime"
    )


def test_a_dose_that_is_not_whole_capsules_is_given_in_mg():
    sig = capsule(mg_per_dose=Decimal(2), strength_mg=Decimal("1.5"))
    assert label_directions(sig) == "Take 2 mg by mouth at bedtime"
    assert label_directions(capsule("Take 2 mg at bedtime", mg_per_dose=Decimal(2))) == (
        "Take 2 mg by mouth at bedtime"
    )


def test_a_written_dose_that_differs_from_the_fields_is_printed_as_written():
    # Never replaced silently by the structured line: the pharmacist sees what was written.
    assert label_directions(capsule("Take 2 capsules at bedtime")) == "Take 2 capsules at bedtime"


@pytest.mark.parametrize(
    ("text", "times", "when", "printed"),
    [
        # "qod" (every other day) is misread as "qd" or "qid": left as written, not guessed.
        ("1 cap po qod", 1, "bedtime", "Take 1 capsule by mouth qod"),
        # "hs" also means half-strength: written out only for a bedtime dose.
        ("1 cap po hs", 1, "morning", "Take 1 capsule by mouth hs"),
        ("1 cap po hs x 7d", 1, "bedtime", "Take 1 capsule by mouth at bedtime for 7 days"),
        # "qd" is misread as "qid": written out only for a once-a-day dose.
        ("1 cap qd x 2 wks", 1, "", "Take 1 capsule once a day for 2 weeks"),
        ("1 cap qd x 2 wks", 2, "", "Take 1 capsule qd for 2 weeks"),
    ],
)
def test_ambiguous_shorthand_is_written_out_only_when_the_fields_agree(text, times, when, printed):
    assert label_directions(capsule(text, times_per_day=times, time_of_day=when)) == printed


def test_drops_held_under_the_tongue_say_so_in_plain_words():
    sig = Sig(
        "sublingual_drops",
        Decimal(1),
        Decimal(1),
        Decimal(1),
        1,
        "morning",
        "Hold 1 mL under the tongue for 1 minute each morning",
    )
    assert label_directions(sig) == (
        "Place 1 mL (1 mg) under the tongue and hold for 1 minute in the morning"
    )


def test_without_a_worked_out_dose_the_prescribers_words_print():
    sig = Sig("sublingual_drops", None, Decimal(1), None, 1, "", "Place 10 gtts SL at bedtime")
    assert label_directions(sig) == "Place 10 drops under the tongue at bedtime"
    assert label_directions(Sig("capsule", None, Decimal(1), None, 1, "", "")) == (
        "Use as directed by your prescriber"
    )


def test_lines_of_a_written_schedule_are_kept_apart():
    assert written_out("Week 1: 1.5 mg qhs\nWeek 2: 3 mg qhs", 1, "bedtime") == (
        "Week 1: 1.5 mg at bedtime; Week 2: 3 mg at bedtime"
    )


ISSUE_TITRATION = "1.5 mg x 2 weeks then 3 mg x 2 weeks then 4.5 mg"
ISSUE_LABEL = (
    "Take 1 capsule (1.5 mg) by mouth at bedtime for 2 weeks, then 2 capsules (3 mg) at "
    "bedtime for 2 weeks, then 3 capsules (4.5 mg) at bedtime"
)


def test_a_titration_without_route_or_time_gets_both_and_capsule_counts():
    sig = capsule(ISSUE_TITRATION, mg_per_dose=Decimal("1.5"), strength_mg=Decimal("1.5"))
    assert label_directions(sig) == ISSUE_LABEL


def test_a_titrations_time_of_day_comes_from_the_directions_when_the_field_is_empty():
    sig = capsule(
        "1.5 mg nightly x 2 weeks then 3 mg nightly",
        mg_per_dose=Decimal("1.5"),
        strength_mg=Decimal("1.5"),
        time_of_day="",
    )
    assert label_directions(sig) == (
        "Take 1 capsule (1.5 mg) by mouth at bedtime for 2 weeks, then 2 capsules (3 mg) at bedtime"
    )


def test_a_liquid_titration_is_labelled_in_ml_and_mg():
    sig = Sig(
        "oral_liquid", Decimal("1.5"), Decimal(1), Decimal("1.5"), 1, "bedtime",
        "1.5 mL qhs x 2 wk then 3 mL qhs", "mL",
    )  # fmt: skip
    assert label_directions(sig) == (
        "Take 1.5 mL (1.5 mg) by mouth at bedtime for 2 weeks, then 3 mL (3 mg) at bedtime"
    )


def test_the_prescribers_sentences_without_a_dose_follow_the_schedule():
    sig = capsule(
        f"{ISSUE_TITRATION}. Take with food.",
        mg_per_dose=Decimal("1.5"),
        strength_mg=Decimal("1.5"),
    )
    assert label_directions(sig) == f"{ISSUE_LABEL}. Take with food."


@pytest.mark.parametrize(
    ("text", "strength"),
    [
        # A condition on a step is the prescriber's: never dropped for the plain sentence.
        ("1.5 mg x 2 weeks then 3 mg if tolerated", "1.5"),
        # Steps that are not whole capsules of this strength: the checker warns; as written.
        ("1.5 mg x 2 weeks then 3 mg", "3"),
    ],
)
def test_a_titration_the_sentence_cannot_say_whole_prints_as_written(text, strength):
    sig = capsule(text, mg_per_dose=Decimal("1.5"), strength_mg=Decimal(strength))
    assert label_directions(sig) == f"Take {text.replace(' x ', ' for ')}"
