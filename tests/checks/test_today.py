"""The checker is given the pharmacy's date and never reads the clock: the same document on
the same given day has the same answer on any machine, in any year the machine thinks it is.

The days below are years away from any real clock, so a rule that read the clock instead of
the date it is given would answer differently."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_app.checks import DocumentError, OrderDocument, check_order, parse_order_document
from tests.checks.conftest import POLICY, family
from tests.conftest import CLEAN_ORDER, merged

LONG_AGO, FAR_AHEAD = dt.date(2001, 3, 1), dt.date(2090, 3, 1)


def checked_on(today: dt.date, **overrides):
    return check_order(
        parse_order_document(merged(CLEAN_ORDER, overrides), today=today), POLICY, today=today
    )


def codes(result, name: str) -> list[str]:
    return [f.code for f in family(result, name)]


def test_a_date_of_birth_is_judged_against_the_given_day():
    patient = {"patient": {"date_of_birth": "2050-05-05"}}
    assert parse_order_document(merged(CLEAN_ORDER, patient), today=FAR_AHEAD)
    with pytest.raises(DocumentError) as refused:
        parse_order_document(merged(CLEAN_ORDER, patient), today=LONG_AGO)
    assert refused.value.errors == {"patient.date_of_birth": ["date of birth is in the future"]}


def test_a_date_of_birth_too_long_ago_is_counted_from_the_given_year():
    patient = {"patient": {"date_of_birth": "1890-01-01"}}
    assert parse_order_document(merged(CLEAN_ORDER, patient), today=dt.date(2010, 1, 1))
    with pytest.raises(DocumentError, match="more than 125 years ago"):
        parse_order_document(merged(CLEAN_ORDER, patient), today=dt.date(2016, 1, 1))


def test_the_prescription_dates_are_judged_against_the_given_day():
    written = {"date_written": "2050-01-10", "date_received": "2050-01-10"}
    assert codes(checked_on(dt.date(2050, 1, 9), **written), "supply") == [
        "supply.received_in_future",
        "supply.written_in_future",
    ]
    assert codes(checked_on(dt.date(2050, 1, 10), **written), "supply") == []


@pytest.mark.parametrize(
    ("patient", "family_name", "in_that_year", "a_year_later"),
    [
        (
            {"medications": ["percocet after surgery in 2060"]},
            "interaction",
            "interaction.opioid",
            "interaction.opioid_past",
        ),
        (
            {"conditions": ["hepatitis C 2060"]},
            "contraindication",
            "contraindication.acute_hepatitis_unconfirmed",
            "contraindication.acute_hepatitis_history",
        ),
    ],
)
def test_a_year_written_after_a_mention_is_past_only_after_the_given_year(
    patient, family_name, in_that_year, a_year_later
):
    during = checked_on(dt.date(2060, 6, 1), patient=patient)
    after = checked_on(dt.date(2061, 6, 1), patient=patient)
    assert (codes(during, family_name), codes(after, family_name)) == (
        [in_that_year],
        [a_year_later],
    )


def test_a_document_cannot_be_validated_without_the_day():
    with pytest.raises(TypeError, match="today's date"):
        OrderDocument.model_validate(CLEAN_ORDER)
