"""Order documents: malformed input is refused with every problem at its field path."""

import pytest

from pharmacy_app.checks import DocumentError, DosageForm, parse_order_document
from tests.conftest import CLEAN_ORDER, merged


def errors_for(document):
    with pytest.raises(DocumentError) as caught:
        parse_order_document(document)
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
    document = parse_order_document(merged(CLEAN_ORDER, {"preparation": {"dosage_form": written}}))
    assert document.preparation.dosage_form is form
