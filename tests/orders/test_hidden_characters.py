"""Names with control characters, bidirectional overrides or zero-width characters are refused
at their field by every way in (API, order form, CLI, accounts); accents and CJK are names."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from pharmacy_app.checks import DocumentError, parse_order_document
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.orders.patients import Patient
from pharmacy_app.orders.prescribers import Prescriber
from pharmacy_app.plaintext import hidden_character_problem
from tests.checks.conftest import TODAY
from tests.conftest import CLEAN_ORDER, merged
from tests.orders.test_workflow import form_data

HOSTILE = [
    "A\u0001\u001b[31m\u202e",  # a control character, a terminal escape, a right-to-left override
    "Ann\u202eeeL",  # right-to-left override
    "Ann\u2066Lee\u2069",  # bidirectional isolate
    "Ann\u200bLee",  # zero-width space
    "Ann\u200dLee",  # zero-width joiner
    "Ann\u00adLee",  # soft hyphen
    "Ann\tLee",
    "Ann\nLee",
    "Ann\u2028Lee",  # line separator
    "Ann\u2029Lee",  # paragraph separator
    "Ann\ue000Lee",  # private use
    "Ann\ud800Lee",  # unpaired surrogate
]
FINE = ["Zoë", "Ødegaard", "O’Brien", "José María", "李 小龍", "Ἀλέξανδρος", "Анна", "Mary-Jane"]
# Every name the document takes, and its field on the order form.
NAME_FIELDS = {
    ("patient", "first_name"): "first_name",
    ("patient", "last_name"): "last_name",
    ("prescriber", "name"): "prescriber_name",
    ("prescriber", "credential"): "credential",
    ("prescriber", "license_number"): "license_number",
    ("prescriber", "state"): "state",
    ("prescriber", "npi"): "npi",
}


def with_name(part, key, value):
    return merged(CLEAN_ORDER, {part: {key: value}})


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("text", HOSTILE)
def test_each_hidden_character_is_named_in_the_reason(text):
    problem = hidden_character_problem(text)
    assert problem is not None and "U+" in problem


@pytest.mark.parametrize("text", [*FINE, "Ann Lee", "Ann  Lee"])
def test_letters_of_any_script_and_plain_spaces_are_fine(text):
    assert hidden_character_problem(text) is None


@pytest.mark.parametrize("part, key", NAME_FIELDS)
@pytest.mark.parametrize("text", HOSTILE)
def test_the_document_refuses_a_hidden_character_in_a_name(part, key, text):
    with pytest.raises(DocumentError) as refused:
        parse_order_document(with_name(part, key, text), today=TODAY)
    [message] = refused.value.errors[f"{part}.{key}"]
    assert "U+" in message or "unpaired surrogate" in message


@pytest.mark.parametrize("text", FINE)
def test_the_document_keeps_accented_and_cjk_names(text):
    document = parse_order_document(
        merged(CLEAN_ORDER, {"patient": {"last_name": text}}), today=TODAY
    )
    assert document.patient.last_name == text


def test_the_api_answers_422_at_the_field_and_stores_nothing(app, api):
    document = merged(
        CLEAN_ORDER,
        {"patient": {"last_name": "A\u0001\u001b[31m\u202e"}, "prescriber": {"name": "X\u202e"}},
    )
    answer = api.post("/api/v1/orders", json=document)
    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    assert "control character (U+0001)" in errors["patient.last_name"][0]
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in errors["prescriber.name"][0]
    assert (count(app, Order), count(app, Patient), count(app, Prescriber)) == (0, 0, 0)


def test_the_api_check_answers_422_too(api):
    answer = api.post("/api/v1/checks", json=with_name("patient", "first_name", "A\u200bnn"))
    assert answer.status_code == 422


@pytest.mark.parametrize("part, key", NAME_FIELDS)
def test_the_order_form_shows_the_reason_at_the_field_and_keeps_what_was_typed(
    app, signed_in, part, key
):
    field = NAME_FIELDS[(part, key)]
    data = form_data(with_name(part, key, "Ann\u202eLee")) | {"save": "1"}
    page = signed_in("technician").post("/orders/new", data=data)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    at_field = text.split(f'data-field="{field}"')[1].split("data-field=")[0]
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in at_field
    assert (count(app, Order), count(app, Patient), count(app, Prescriber)) == (0, 0, 0)


def test_the_cli_refuses_it_as_malformed(app, runner, tmp_path, make_user):
    make_user("technician", username="tina")
    path = tmp_path / "order.json"
    path.write_text(json.dumps(with_name("patient", "last_name", "Lee\u202e")))
    result = runner.invoke(args=["create-order", "--user", "tina", str(path)])
    assert result.exit_code == 3
    assert "U+202E" in result.output
    assert count(app, Order) == 0


@pytest.mark.parametrize("text", ["Priya\u202eP", "Priya\u200b", "Priya\tP"])
def test_an_account_name_is_refused_by_the_same_rule(app, signed_in, text):
    from pharmacy_app.accounts.errors import AccountError
    from pharmacy_app.accounts.services import clean_full_name

    with pytest.raises(AccountError, match="U\\+"):
        clean_full_name(text)


# Characters Unicode says show as nothing, outside the control and format categories: a
# patient "Pet\u034frov" looks like Petrov and escapes the duplicate check.
IGNORABLE = ["Pet\u034frov", "Pet\u3164rov", "Petrov\u115f", "Pet\ufe0frov", "Pet\U000e0041rov"]


@pytest.mark.parametrize("text", IGNORABLE)
def test_characters_that_show_as_nothing_are_refused_in_names(text):
    with pytest.raises(DocumentError) as refused:
        parse_order_document(with_name("patient", "last_name", text), today=TODAY)
    message = refused.value.errors["patient.last_name"][0]
    assert "shows as nothing" in message or "invisible formatting" in message


# Every other text of the document is read by the checker and printed: the same rule.
TEXT_FIELDS = [
    ("sig", {"text": "Take 1 capsule at bedtime, \u202eyad a semit eerht seluspac 01 ekat"}),
    ("sig", {"time_of_day": "bed\u200btime"}),
    ("sig", {"dose": "1\u202e capsule"}),
    ("preparation", {"release": "immediate\u202e release"}),
    ("preparation", {"strength": "4.5\u200b mg"}),
    ("preparation", {"excipients": ["microcrystalline\u202e cellulose"]}),
    ("patient", {"medications": ["levothyroxine 50 mcg\u001b[31m"]}),
    ("patient", {"allergies": ["penicillin\u2066"]}),
    ("patient", {"conditions": ["multiple sclerosis\u3164"]}),
]


@pytest.mark.parametrize(("part", "change"), TEXT_FIELDS)
def test_hidden_characters_are_refused_in_every_text_of_the_document(api, app, part, change):
    before = count(app, Order)
    for path in ("/api/v1/checks", "/api/v1/orders"):
        answer = api.post(path, json=merged(CLEAN_ORDER, {part: change}))
        assert answer.status_code == 422, answer.get_json()
        (field,) = answer.get_json()["errors"]
        assert field.startswith(f"{part}.{next(iter(change))}")
    assert count(app, Order) == before


def test_directions_may_run_over_several_lines():
    document = parse_order_document(
        merged(CLEAN_ORDER, {"sig": {"text": "Take 1 capsule at bedtime\n\tfor 30 days\r\n"}}),
        today=TODAY,
    )
    assert "for 30 days" in document.sig.text


@pytest.mark.parametrize("separator", ["\x1c", "\x1d", "\x1e", "\x0b", "\x0c", "\x85", "\u2028"])
def test_an_invisible_separator_in_a_list_box_is_refused_not_split(app, signed_in, separator):
    """A list box splits at the line breaks a browser sends; an invisible separator inside an
    entry is refused at its field (once it split "hydro|codone" into two harmless entries)."""
    document = merged(CLEAN_ORDER, {"patient": {"medications": [f"hydro{separator}codone 10 mg"]}})
    for url in ("/orders/check", "/orders/new"):
        answer = signed_in("technician").post(url, data=form_data(document) | {"save": "1"})
        text = answer.get_data(as_text=True)
        assert f"U+{ord(separator):04X}" in text, text[:300]
    assert count(app, Order) == 0


def test_directions_name_a_control_character_as_such():
    problem = hidden_character_problem("Take 1 capsule\x0bat bedtime", lines=True)
    assert problem is not None and problem.startswith("Contains a control character (U+000B")


@pytest.mark.parametrize("text", ["Pet\u2800rov", "Pet\uffffrov", "Ann\U0010fffdLee"])
def test_blank_patterns_and_unassigned_code_points_are_refused(text):
    assert hidden_character_problem(text) is not None
