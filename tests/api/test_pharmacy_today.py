"""Every interface gives the checker the pharmacy's own date: just after midnight UTC it is
still yesterday in the pharmacy (America/Los_Angeles by default), and that is the day the
order is judged on."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_app import timeutil
from tests.conftest import CLEAN_ORDER, merged

# 02:30 UTC on 15 June 2031 is 19:30 on 14 June in Los Angeles.
JUST_AFTER_MIDNIGHT_UTC = dt.datetime(2031, 6, 15, 2, 30, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(timeutil, "utcnow", lambda: JUST_AFTER_MIDNIGHT_UTC)


def supply_codes(body) -> list[str]:
    return [f["code"] for f in body["findings"] if f["code"].startswith("supply.")]


@pytest.mark.usefixtures("clock")
@pytest.mark.parametrize(
    ("written", "codes"), [("2031-06-14", []), ("2031-06-15", ["supply.written_in_future"])]
)
def test_a_prescription_written_on_utc_s_date_is_in_the_pharmacy_s_future(api, written, codes):
    answer = api.post("/api/v1/checks", json=merged(CLEAN_ORDER, {"date_written": written}))
    assert answer.status_code == 200
    assert supply_codes(answer.get_json()) == codes


@pytest.mark.usefixtures("clock")
def test_a_date_of_birth_on_utc_s_date_is_in_the_pharmacy_s_future(api):
    born = {"patient": {"date_of_birth": "2031-06-15"}}
    answer = api.post("/api/v1/checks", json=merged(CLEAN_ORDER, born))
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {
        "patient.date_of_birth": ["date of birth is in the future"]
    }
    born_yesterday = {"patient": {"date_of_birth": "2031-06-14"}}
    assert api.post("/api/v1/checks", json=merged(CLEAN_ORDER, born_yesterday)).status_code == 200
