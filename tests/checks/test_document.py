"""Order documents: malformed input is refused with every problem at its field path."""

import copy
import json

import pytest

from pharmacy_app.checks import DocumentError, DosageForm, parse_order_document
from tests.checks.conftest import TODAY
from tests.conftest import CLEAN_ORDER, DELETE, merged


def errors_for(document):
    with pytest.raises(DocumentError) as caught:
        parse_order_document(document, today=TODAY)
    return caught.value.errors


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"patient": {"last_name": ""}}, "patient.last_name"),
        ({"patient": {"date_of_birth": "02/03/1970"}}, "patient.date_of_birth"),
        ({"patient": {"date_of_birth": "2999-01-01"}}, "patient.date_of_birth"),
        ({"patient": {"medications": ["ok", 5]}}, "patient.medications[1]"),
        ({"patient": {"medications": "tramadol"}}, "patient.medications"),
        ({"patient": {"medication": ["tramadol"]}}, "patient.medication"),
        ({"preparation": {"dosage_form": "tablet"}}, "preparation.dosage_form"),
        ({"preparation": {"strength": "4,5 mg"}}, "preparation.strength"),
        ({"preparation": {"strength": 4.5}}, "preparation.strength"),
        ({"sig": {"dose": "lots"}}, "sig.dose"),
        ({"sig": {"times_per_day": 0}}, "sig.times_per_day"),
        ({"sig": {"times_per_day": 100}}, "sig.times_per_day"),
        ({"sig": {"times_per_day": "1"}}, "sig.times_per_day"),
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": -30}, "quantity"),
        ({"quantity": 1e300}, "quantity"),
        ({"days_supply": 0}, "days_supply"),
        ({"refills": -1}, "refills"),
        ({"refills": 1000}, "refills"),
        ({"patient": None}, "patient"),
        ({"patient": {"medications": ["x"] * 51}}, "patient.medications"),
        ({"patient": {"first_name": "x" * 201}}, "patient.first_name"),
    ],
)
def test_malformations_are_reported_at_their_field(overrides, path):
    errors = errors_for(merged(CLEAN_ORDER, overrides))
    assert path in errors and all(errors[path])


def test_a_missing_section_is_required():
    document = merged(CLEAN_ORDER, {})
    del document["sig"]
    assert errors_for(document) == {"sig": ["This field is required."]}


@pytest.mark.parametrize("body", [[], "order", 42, None])
def test_a_body_that_is_not_an_object_is_refused(body):
    assert "" in errors_for(body)


@pytest.mark.parametrize(
    ("written", "form"),
    [
        ("Capsule", DosageForm.CAPSULE),
        ("oral liquid", DosageForm.ORAL_LIQUID),
        ("SL drops", DosageForm.SUBLINGUAL_DROPS),
        ("topical-cream", DosageForm.TOPICAL_CREAM),
    ],
)
def test_dosage_forms_are_read_in_their_usual_spellings(written, form):
    document = parse_order_document(
        merged(CLEAN_ORDER, {"preparation": {"dosage_form": written}}), today=TODAY
    )
    assert document.preparation.dosage_form is form


# ---------------------------------------------------------------------------------------------
# Contract tests: DocumentError with the right field path (built on merged / make_doc).
# ---------------------------------------------------------------------------------------------


def problems(**overrides):
    """The DocumentError.errors for the baseline with these changes."""
    with pytest.raises(DocumentError) as caught:
        parse_order_document(merged(CLEAN_ORDER, overrides), today=TODAY)
    errors = caught.value.errors
    assert errors and all(isinstance(v, list) and v for v in errors.values())
    assert all(isinstance(m, str) and m.strip() for v in errors.values() for m in v)
    return errors


def test_the_baseline_parses(make_doc):
    document = make_doc()
    assert document.preparation.strength == "4.5 mg"
    assert document.patient.medications == ["levothyroxine 50 mcg"]


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"patient": DELETE}, "patient"),
        ({"prescriber": DELETE}, "prescriber"),
        ({"preparation": DELETE}, "preparation"),
        ({"sig": DELETE}, "sig"),
        ({"quantity": DELETE}, "quantity"),
        ({"days_supply": DELETE}, "days_supply"),
        ({"patient": {"first_name": DELETE}}, "patient.first_name"),
        ({"patient": {"last_name": DELETE}}, "patient.last_name"),
        ({"patient": {"date_of_birth": DELETE}}, "patient.date_of_birth"),
        ({"prescriber": {"name": DELETE}}, "prescriber.name"),
        ({"preparation": {"dosage_form": DELETE}}, "preparation.dosage_form"),
        ({"preparation": {"strength": DELETE}}, "preparation.strength"),
        ({"sig": {"dose": DELETE}}, "sig.dose"),
        ({"patient": {"first_name": ""}}, "patient.first_name"),
        ({"prescriber": {"name": "   "}}, "prescriber.name"),
        ({"preparation": {"strength": ""}}, "preparation.strength"),
        ({"sig": {"dose": ""}}, "sig.dose"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_missing_field_is_reported_at_its_path(overrides, path):
    assert path in problems(**overrides)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"patient": "Maria Okafor"}, "patient"),
        ({"prescriber": ["Helen Park"]}, "prescriber"),
        ({"patient": {"medications": "tramadol"}}, "patient.medications"),
        ({"patient": {"medications": {"0": "tramadol"}}}, "patient.medications"),
        ({"patient": {"allergies": ["penicillin", None]}}, "patient.allergies[1]"),
        ({"patient": {"conditions": ["MS", ["pregnant"]]}}, "patient.conditions[1]"),
        ({"preparation": {"excipients": "MCC"}}, "preparation.excipients"),
        ({"preparation": {"excipients": ["MCC", 7]}}, "preparation.excipients[1]"),
        ({"preparation": {"strength": 4.5}}, "preparation.strength"),
        ({"preparation": {"dosage_form": "tablet"}}, "preparation.dosage_form"),
        ({"preparation": {"dosage_form": 1}}, "preparation.dosage_form"),
        ({"preparation": {"release": ["IR"]}}, "preparation.release"),
        ({"sig": {"dose": 1}}, "sig.dose"),
        ({"sig": {"times_per_day": "1"}}, "sig.times_per_day"),
        ({"sig": {"times_per_day": 1.5}}, "sig.times_per_day"),
        ({"sig": {"times_per_day": True}}, "sig.times_per_day"),
        ({"quantity": "abc"}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"quantity": [30]}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"quantity": "NaN"}, "quantity"),
        ({"quantity": "Infinity"}, "quantity"),
        ({"days_supply": "30"}, "days_supply"),
        ({"days_supply": 30.5}, "days_supply"),
        ({"refills": 2.5}, "refills"),
        ({"refills": "two"}, "refills"),
        ({"refills": False}, "refills"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_wrong_type_is_reported_at_its_path(overrides, path):
    assert path in problems(**overrides)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"notes": "rush"}, "notes"),
        ({"patient": {"middle_name": "A"}}, "patient.middle_name"),
        ({"prescriber": {"dea": "AB1234567"}}, "prescriber.dea"),
        ({"preparation": {"colour": "white"}}, "preparation.colour"),
        ({"sig": {"route": "oral"}}, "sig.route"),
        ({"Quantity": 30}, "Quantity"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_an_unknown_field_is_refused_not_ignored(overrides, path):
    assert path in problems(**overrides)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"patient": {"date_of_birth": "1970-13-01"}}, "patient.date_of_birth"),
        ({"patient": {"date_of_birth": "1970-02-30"}}, "patient.date_of_birth"),
        ({"patient": {"date_of_birth": "14/09/1968"}}, "patient.date_of_birth"),
        ({"patient": {"date_of_birth": "yesterday"}}, "patient.date_of_birth"),
        ({"patient": {"date_of_birth": ""}}, "patient.date_of_birth"),
        ({"patient": {"date_of_birth": "2999-01-01"}}, "patient.date_of_birth"),
        ({"patient": {"date_of_birth": "1800-01-01"}}, "patient.date_of_birth"),
        ({"date_written": "2024-02-30"}, "date_written"),
        ({"date_received": "not a date"}, "date_received"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_bad_date_is_reported_at_its_path(overrides, path):
    assert path in problems(**overrides)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"preparation": {"strength": "4,5 mg"}}, "preparation.strength"),
        ({"preparation": {"strength": "four point five mg"}}, "preparation.strength"),
        ({"preparation": {"strength": "4.5 mgg"}}, "preparation.strength"),
        ({"preparation": {"strength": "4.5 mg SR"}}, "preparation.strength"),
        ({"preparation": {"strength": "0 mg"}}, "preparation.strength"),
        ({"preparation": {"strength": "-1 mg"}}, "preparation.strength"),
        ({"sig": {"dose": "as directed"}}, "sig.dose"),
        ({"sig": {"dose": "4.5"}}, "sig.dose"),
        ({"sig": {"dose": "mg"}}, "sig.dose"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_an_unreadable_amount_is_reported_at_its_path(overrides, path):
    assert path in problems(**overrides)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"sig": {"times_per_day": 0}}, "sig.times_per_day"),
        ({"sig": {"times_per_day": -1}}, "sig.times_per_day"),
        ({"sig": {"times_per_day": 100}}, "sig.times_per_day"),
        ({"refills": -1}, "refills"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": -30}, "quantity"),
        ({"quantity": 10**12}, "quantity"),
        ({"days_supply": 0}, "days_supply"),
        ({"days_supply": -30}, "days_supply"),
        ({"days_supply": 10_000}, "days_supply"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_an_out_of_range_number_is_reported_at_its_path(overrides, path):
    assert path in problems(**overrides)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"patient": {"medications": ["metformin"] * 10_000}}, "patient.medications"),
        ({"patient": {"allergies": ["latex"] * 1_000}}, "patient.allergies"),
        ({"patient": {"conditions": ["MS"] * 1_000}}, "patient.conditions"),
        ({"preparation": {"excipients": ["MCC"] * 1_000}}, "preparation.excipients"),
        ({"patient": {"first_name": "A" * 100_000}}, "patient.first_name"),
        ({"patient": {"medications": ["x" * 100_000]}}, "patient.medications[0]"),
        ({"sig": {"text": "take " * 200_000}}, "sig.text"),
        ({"preparation": {"strength": "4" * 10_000 + " mg"}}, "preparation.strength"),
    ],
    ids=[
        "10k-medications",
        "1k-allergies",
        "1k-conditions",
        "1k-excipients",
        "huge-name",
        "huge-medication",
        "huge-sig-text",
        "huge-strength",
    ],
)
def test_an_absurd_size_is_refused_at_its_path(overrides, path):
    assert path in problems(**overrides)


def test_every_problem_is_reported_at_once():
    errors = problems(
        patient={"date_of_birth": "yesterday"},
        preparation={"strength": "4,5 mg"},
        sig={"times_per_day": 0},
        refills=-1,
    )
    assert {
        "patient.date_of_birth",
        "preparation.strength",
        "sig.times_per_day",
        "refills",
    } <= set(errors)


def test_document_error_is_a_value_error_with_a_readable_text():
    with pytest.raises(ValueError, match="quantity"):
        parse_order_document(merged(CLEAN_ORDER, {"quantity": "abc"}), today=TODAY)


def test_parsing_does_not_change_the_caller_s_data():
    data = merged(
        CLEAN_ORDER, {"preparation": {"excipients": [" MCC "]}, "sig": {"dose": " 1 capsule "}}
    )
    before = copy.deepcopy(data)
    parse_order_document(data, today=TODAY)
    assert data == before


@pytest.mark.parametrize("body", [None, [], [CLEAN_ORDER], "{}", b"{}", 0, 4.5, True])
def test_a_body_that_is_not_a_json_object_is_refused(body):
    with pytest.raises(DocumentError) as caught:
        parse_order_document(body, today=TODAY)
    assert caught.value.errors


def test_a_json_round_trip_of_the_baseline_parses(make_doc):
    assert parse_order_document(json.loads(json.dumps(CLEAN_ORDER)), today=TODAY) == make_doc()
