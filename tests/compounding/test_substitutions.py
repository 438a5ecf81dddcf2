"""A vehicle or filler other than the prescription's is a pharmacist's decision: the fill waits
for it (no weighing, no sign-off), and the approval records the reason and the prescriber
consulted (name and date) on the record, the worksheet PDF and the history."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord, RecordStatus, Substitution
from pharmacy_app.compounding.services import record_weights, sign_off
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import OrderEvent
from pharmacy_app.workflow import WorkflowError
from tests.fills import lots_scanned

# Far enough from the machine's date that the pharmacy's date (another zone) cannot differ.
WRITTEN = dt.date.today() - dt.timedelta(days=10)
LIQUID = {
    "preparation": {
        "dosage_form": "oral_liquid",
        "strength": "1 mg/mL",
        "excipients": ["purified water", "simple syrup"],
    },
    "sig": {"dose": "4.5 mL", "text": "Take 4.5 mL by mouth at bedtime"},
    "quantity": 135,
    "date_written": WRITTEN.isoformat(),
}
APPROVAL = {
    "reason": "Simple syrup not stocked; Ora-Sweet SF agreed",
    "prescriber": "Dr Dana Ruiz",
    "consulted_on": (WRITTEN + dt.timedelta(days=5)).isoformat(),
}


@pytest.fixture
def substituted(verified_order, compound):
    """The id of a fill of a liquid prescribed in water and simple syrup, started with the
    formula's Ora-Sweet SF."""
    return compound(verified_order(**LIQUID))


def substitution_of(record_id: int) -> Substitution:
    return db.session.scalars(select(Substitution).where(Substitution.record_id == record_id)).one()


def approve(client, record_id: int, **changes):
    with client.application.app_context():
        substitution_id = substitution_of(record_id).id
    page = client.get(f"/compounding/records/{record_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    data = (APPROVAL | changes) | ({"csrf_token": token[1]} if token else {})
    return client.post(
        f"/compounding/records/{record_id}/substitutions/{substitution_id}/approval",
        data={k: v for k, v in data.items() if v is not None},
        follow_redirects=True,
    )


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def weigh(app, record_id: int) -> None:
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        technician = db.session.scalars(select(User).where(User.role == "technician")).first()
        record_weights(
            record,
            {c.id: c.required for c in record.components},
            technician,
            scanned_lots=lots_scanned(record),
        )
        db.session.commit()


def test_starting_with_another_vehicle_makes_a_pending_substitution(app, substituted):
    with app.app_context():
        found = substitution_of(substituted)
        assert (found.kind, found.prescribed, found.used) == (
            "vehicle",
            "purified water, simple syrup",
            "Ora-Sweet SF (preserved vehicle)",
        )
        assert not found.approved
        events = db.session.scalars(
            select(OrderEvent.kind).where(OrderEvent.order_id == found.record.order_id)
        ).all()
        assert "substitution pending" in events


def test_the_prescribed_vehicle_makes_no_substitution(app, verified_order, compound):
    order_id = verified_order(
        preparation=LIQUID["preparation"] | {"excipients": ["Ora-Sweet SF"]},
        sig=LIQUID["sig"],
        quantity=135,
    )
    with app.app_context():
        assert db.session.get(CompoundingRecord, compound(order_id)).substitutions == []


def test_weighing_and_sign_off_wait_for_the_decision(app, substituted, make_user):
    with pytest.raises(WorkflowError, match="approves the substitution"):
        weigh(app, substituted)
    with app.app_context():
        record = db.session.get(CompoundingRecord, substituted)
        assert record.status == RecordStatus.IN_PROGRESS.value
        assert all(c.actual is None for c in record.components)
        with pytest.raises(WorkflowError, match="approves the substitution"):
            sign_off(record, db.session.get(User, make_user("pharmacist").id))


def test_the_weights_page_refuses_until_approved(app, signed_in, substituted):
    technician = signed_in("technician")
    page = technician.get(f"/compounding/records/{substituted}").get_data(as_text=True)
    assert "Waits for a pharmacist's decision" in unescape(page)
    with app.app_context():
        readings = {
            f"actual-{c.id}": str(c.required)
            for c in db.session.get(CompoundingRecord, substituted).components
        }
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    answer = technician.post(
        f"/compounding/records/{substituted}/weights",
        data=readings | ({"csrf_token": token[1]} if token else {}),
    )
    assert "approves the substitution" in text_of(answer)


def test_a_technician_cannot_approve(app, signed_in, substituted):
    assert approve(signed_in("technician"), substituted).status_code == 403
    with app.app_context():
        assert not substitution_of(substituted).approved


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"reason": ""}, "Give the reason for the substitution"),
        ({"reason": "ok"}, "Give the reason for the substitution"),
        ({"prescriber": ""}, "the prescriber consulted"),
        ({"consulted_on": None}, "the date consulted"),
        (
            {"consulted_on": (dt.date.today() + dt.timedelta(days=2)).isoformat()},
            "a date still to come",
        ),
        (
            {"consulted_on": (WRITTEN - dt.timedelta(days=1)).isoformat()},
            "before the prescription was written",
        ),
    ],
)
def test_approval_needs_a_reason_the_prescriber_and_a_plausible_date(
    app, signed_in, substituted, changes, said
):
    assert said in text_of(approve(signed_in("pharmacist"), substituted, **changes))
    with app.app_context():
        assert not substitution_of(substituted).approved


def test_an_approval_shows_on_the_record_the_worksheet_and_the_history(app, signed_in, substituted):
    pharmacist = signed_in("pharmacist")
    page = text_of(approve(pharmacist, substituted))
    assert "Substitution approved." in page
    assert "Approved by" in page and APPROVAL["reason"] in page
    assert f"prescriber Dr Dana Ruiz consulted {APPROVAL['consulted_on']}" in page
    assert "Approve substitution" not in page

    pdf = pharmacist.get(f"/compounding/records/{substituted}/worksheet.pdf").data
    sheet = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Substitution (vehicle)" in sheet and "purified water, simple syrup" in sheet
    assert APPROVAL["reason"] in sheet
    assert f"Prescriber consulted: Dr Dana Ruiz, {APPROVAL['consulted_on']}" in sheet

    with app.app_context():
        found = substitution_of(substituted)
        history = db.session.scalars(
            select(OrderEvent.detail).where(
                OrderEvent.order_id == found.record.order_id,
                OrderEvent.kind == "substitution approved",
            )
        ).one()
    assert APPROVAL["reason"] in history and "Dr Dana Ruiz" in history
    weigh(app, substituted)  # now the fill goes on

    # The final check shows the decision (not the start's "waits for a decision" caution).
    from pharmacy_app.dispensing.final_check import final_check_view

    with app.app_context():
        check = final_check_view(db.session.get(CompoundingRecord, substituted))
    [shown] = check.substitutions
    assert "approved by" in shown and "prescriber Dr Dana Ruiz consulted" in shown
    assert APPROVAL["reason"] in shown
    assert not any("substitution" in c.lower() for c in check.cautions)


def test_a_pending_substitution_shows_on_the_worksheet_pdf(signed_in, substituted):
    pdf = signed_in("technician").get(f"/compounding/records/{substituted}/worksheet.pdf").data
    sheet = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "NOT YET APPROVED" in sheet


def test_a_capsule_filler_other_than_prescribed_is_a_substitution_not_a_refusal(
    app, verified_order, compound
):
    # No formula uses sodium bicarbonate: one with another filler is offered, to be decided.
    record_id = compound(verified_order(preparation={"excipients": ["sodium bicarbonate"]}))
    with app.app_context():
        found = substitution_of(record_id)
        assert (found.kind, found.prescribed) == ("filler", "sodium bicarbonate")


def test_a_formula_with_the_prescribed_filler_is_offered_first(app, verified_order):
    from pharmacy_app.compounding.services import matching_formulations
    from pharmacy_app.orders.models import Order

    order_id = verified_order(preparation={"excipients": ["sucrose"]})
    with app.app_context():
        matches, _ = matching_formulations(db.session.get(Order, order_id))
        assert "sucrose" in matches[0].name.casefold()
        assert len(matches) > 1  # the others stay on offer, as substitutions


def test_the_pages_offer_the_decision_not_the_weights_while_it_waits(app, signed_in, substituted):
    """No "Record weights" that would be refused; the order page's next step is the
    decision (a pharmacist's) or waiting for it (a technician's)."""
    technician, pharmacist = signed_in("technician"), signed_in("pharmacist")
    page = technician.get(f"/compounding/records/{substituted}").get_data(as_text=True)
    assert "Record weights" not in page and 'data-hold="substitution"' in page
    with app.app_context():
        order_id = db.session.get(CompoundingRecord, substituted).order_id
    waiting = technician.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-step="await_substitution"' in waiting and "Continue fill" not in waiting
    deciding = pharmacist.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-step="decide_substitution"' in deciding
    assert approve(pharmacist, substituted).status_code == 200
    page = technician.get(f"/compounding/records/{substituted}").get_data(as_text=True)
    assert "Record weights" in page and 'data-hold="substitution"' not in page


def test_a_formulas_filler_the_patient_is_allergic_to_is_named_at_every_step(
    app, signed_in, verified_order, compound
):
    """The order named MCC, which the checker passed; a lactose formula chosen for it must
    say so where the fill is made, decided and checked."""
    order_id = verified_order(
        patient={"allergies": ["Lactose intolerance (bloating)"]},
        preparation={"excipients": ["microcrystalline cellulose"], "strength": "4.5 mg"},
    )
    with app.app_context():
        from pharmacy_app.compounding.models import MasterFormulation

        lactose = db.session.scalars(
            select(MasterFormulation.id).where(
                MasterFormulation.name == "Naltrexone 4.5 mg capsules, lactose, size 1"
            )
        ).one()
        from pharmacy_app.compounding.services import start_choices
        from pharmacy_app.orders.models import Order

        _, notes = start_choices(
            db.session.get(Order, order_id), db.session.get(MasterFormulation, lactose)
        )
        assert 'ALLERGY: the patient lists "Lactose intolerance (bloating)"' in notes[0]
    record_id = compound(order_id, "Naltrexone 4.5 mg capsules, lactose, size 1")
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        assert any(c.startswith("ALLERGY:") for c in record.cautions)
        from pharmacy_app.dispensing.final_check import final_check_view

        assert any(c.startswith("ALLERGY:") for c in final_check_view(record).cautions)
    page = signed_in("pharmacist").get(f"/compounding/records/{record_id}")
    assert "ALLERGY: the patient lists" in unescape(page.get_data(as_text=True))


@pytest.mark.parametrize(
    "written, part, named",
    [
        ("dairy products (hives)", "Lactose monohydrate NF", True),
        ("Lactose intolerance", "Lactose monohydrate NF", True),
        ("no lactose allergy", "Lactose monohydrate NF", False),
        ("denies latex", "Latex gloves", False),
        ("gelatin", "Gelatin capsule shells, size 1", True),
        ("penicillin", "Gelatin capsule shells, size 1", False),
    ],
)
def test_the_allergy_reading_names_an_excipient_or_shell(written, part, named):
    from pharmacy_app.checks import allergy_to

    assert allergy_to(written, part) is named


def test_an_intolerance_written_as_a_condition_and_a_gelatin_allergy_are_named(app, verified_order):
    from pharmacy_app.compounding.formulas import allergy_note
    from pharmacy_app.compounding.models import MasterFormulation
    from pharmacy_app.orders.models import Order

    lactose = "Naltrexone 4.5 mg capsules, lactose, size 1"
    as_condition = verified_order(
        patient={"allergies": [], "conditions": ["Lactose intolerance"]},
        preparation={"excipients": ["microcrystalline cellulose"]},
    )
    gelatin = verified_order(
        patient={"first_name": "Gwen", "last_name": "Ashby", "allergies": ["Gelatin (hives)"]}
    )
    with app.app_context():
        formula = db.session.scalars(
            select(MasterFormulation).where(MasterFormulation.name == lactose)
        ).one()
        note = allergy_note(formula, db.session.get(Order, as_condition))
        assert note and '"Lactose intolerance"' in note
        shells = allergy_note(formula, db.session.get(Order, gelatin))
        assert shells and "Gelatin capsule shells" in shells


def test_a_consultation_before_the_prescription_was_received_is_refused(
    app, signed_in, verified_order, compound
):
    # No date written: the prescription existed from the day it was received.
    record_id = compound(verified_order(**(LIQUID | {"date_written": None})))
    with app.app_context():
        received = substitution_of(record_id).record.order.date_received
    old = (received - dt.timedelta(days=1)).isoformat()
    page = text_of(approve(signed_in("pharmacist"), record_id, consulted_on=old))
    assert "before the prescription was received" in page
    with app.app_context():
        assert not substitution_of(record_id).approved
