"""Label profiles as data (labels/profiles.py), and the label text they and issue 12 correct:
no controlled-substance caution for naltrexone, "Filled" as the day the patient gets it, a
refrigerated preparation's warning on its own line, the Rx number printed once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from pharmacy_app.compounding.bud import BudRule
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.extensions import db
from pharmacy_app.labels.profiles import CALIFORNIA, OREGON, USP_17, current_profile, profile_for
from pharmacy_app.labels.services import label_values
from pharmacy_app.timeutil import pharmacy_today
from tests.labels.conftest import pdf_text
from tests.labels.test_label_content import LIQUID


@pytest.mark.parametrize(
    "state, profile", [("CA", CALIFORNIA), ("or", OREGON), ("WA", USP_17), ("", USP_17)]
)
def test_the_pharmacys_state_chooses_its_profile(state, profile):
    assert profile_for(state) is profile


def test_each_profile_says_what_its_rule_asks():
    assert CALIFORNIA.critical == ("patient", "drug", "directions", "purpose")
    assert CALIFORNIA.critical_min_pt == Decimal(12)  # 16 CCR 1707.5
    assert USP_17.critical_min_pt == Decimal(11)  # USP <17>: 11 pt Arial
    assert OREGON.physical_description and OREGON.bilingual_on_request  # OAR, ORS 689.564
    assert not any(p.federal_caution for p in (USP_17, CALIFORNIA, OREGON))
    assert all(p.warning_min_pt >= 8 for p in (USP_17, CALIFORNIA, OREGON))


@pytest.mark.app_config(PHARMACY_STATE="CA")
def test_a_california_pharmacy_gets_the_california_profile(app):
    with app.app_context():
        assert current_profile() is CALIFORNIA


def _record(app, order_id):
    with app.app_context():
        return db.session.scalars(
            select(CompoundingRecord.id).where(CompoundingRecord.order_id == order_id)
        ).one()


def test_filled_is_the_day_it_is_labelled_for_the_patient_not_the_sign_off(
    app, signed_in, ready_order
):
    order_id = ready_order()
    record_id = _record(app, order_id)
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        record.signed_off_at -= dt.timedelta(days=5)  # signed off days before it is collected
        db.session.commit()
        today = f"{pharmacy_today():%m/%d/%Y}"
        assert label_values(record)["date_filled"] == today
    pages, _ = pdf_text(signed_in("technician").post(f"/orders/{order_id}/label").data)
    assert f"Filled {today}" in pages[0]


def test_a_refrigerated_preparation_says_so_on_its_own_line(app, signed_in, ready_order):
    order_id = ready_order(**LIQUID)
    record_id = _record(app, order_id)
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        assert "Refrigerate, do not freeze." not in label_values(record)["auxiliary"]
        record.mfr.bud_rule = BudRule.AQUEOUS_UNPRESERVED.value
        db.session.commit()
        assert label_values(record)["auxiliary"][0] == "Refrigerate, do not freeze."
    pages, _ = pdf_text(signed_in("technician").post(f"/orders/{order_id}/label").data)
    assert "Refrigerate, do not freeze." in pages[0]


def test_the_patient_sheet_prints_the_rx_number_and_phone_once(app, signed_in, ready_order):
    order_id = ready_order()
    sheet = signed_in("technician").get(f"/orders/{order_id}/patient-sheet.pdf")
    text = " ".join(" ".join(pdf_text(sheet.data)[0]).split())
    assert "Rx RX-" not in text and "((" not in text
    assert "RX-100001" in text and "(503) 555-0142" in text


def _label(signed_in, order_id) -> str:
    pages, _ = pdf_text(signed_in("technician").post(f"/orders/{order_id}/label").data)
    return " ".join(pages[0].split())


def test_the_purpose_prints_right_after_the_directions(signed_in, ready_order):
    text = _label(signed_in, ready_order(sig={"purpose": "for fibromyalgia"}))
    directions = text.index("Take 1 capsule (4.5 mg) by mouth at bedtime")
    assert text.index("for fibromyalgia") > directions
    assert text.index("for fibromyalgia") < text.index("Discard after")


def test_a_family_name_first_prints_in_its_order(app, signed_in, ready_order):
    order_id = ready_order(
        patient={"first_name": "伟", "last_name": "张", "family_name_first": True}
    )
    assert "张伟" in _label(signed_in, order_id)
    page = signed_in("technician").get(f"/orders/{order_id}").get_data(as_text=True)
    assert "张伟" in page
    latin = ready_order(
        patient={"first_name": "Thi Mai", "last_name": "Nguyen", "family_name_first": True}
    )
    assert "Nguyen Thi Mai" in _label(signed_in, latin)


def test_oregon_prints_the_physical_description(signed_in, ready_order):
    # PHARMACY_STATE is Oregon unless set: OAR 855-041-1130 asks for the description.
    assert "Looks like: White opaque size 1 capsule" in _label(signed_in, ready_order())


@pytest.mark.app_config(PHARMACY_STATE="CA")
def test_california_does_not_ask_for_it(signed_in, ready_order):
    assert "Looks like" not in _label(signed_in, ready_order())
