"""Weighings: masses to the balance's readability, the minimum weighable quantity, the aliquot
of crushed tablets as a recorded weighing, and the limit beyond which a fill is discarded.

Worked examples derived by hand in the comments."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from sqlalchemy import select

from pharmacy_app.compounding.arithmetic import (
    capsules_from_powder,
    minimum_weighable_mg,
    weigh,
)
from pharmacy_app.compounding.models import (
    CompoundingRecord,
    Ingredient,
    Lot,
    MasterFormulation,
)
from pharmacy_app.costs.services import cost_lines
from pharmacy_app.extensions import db
from tests.compounding.test_lot_scan import weights_post
from tests.fills import lot_form

FROM_TABLETS = "Naltrexone 1.5 mg capsules from 50 mg tablets, MCC, size 1"


def four_and_a_half_mg_capsules(**balance):
    return capsules_from_powder(
        strength_mg=D("4.5"),
        quantity=D(30),
        overage_percent=D(5),
        capsule_size="1",
        filler_density_g_per_ml=D("0.45"),
        assay_percent=D("99.5"),
        **balance,
    )


def test_capsule_masses_are_stated_to_a_1_mg_balance():
    # 30 + 5% = 31.5 -> 32 capsules. 4.5 mg ÷ 0.995 = 4.522613 mg a capsule (shown 4.5226);
    # x 32 = 144.7236 mg -> 145 mg on a balance reading to 1 mg. Size 1 holds
    # 0.50 mL x 0.45 g/mL = 225 mg; (225 - 4.522613) x 32 = 7055.276 -> 7055 mg.
    sheet = four_and_a_half_mg_capsules()
    lines = {line.what: line for line in sheet.lines}
    assert lines["Naltrexone per capsule"].amount == D("4.5226")
    assert lines["Naltrexone powder to weigh"].amount == D(145)
    assert "4.5226 mg x 32 capsules = 144.72 mg" in lines["Naltrexone powder to weigh"].how
    assert sheet.amounts == {"active": (D(145), "mg"), "filler": (D(7055), "mg")}


def test_the_same_capsules_on_a_0_1_mg_balance():
    sheet = four_and_a_half_mg_capsules(readability_mg=D("0.1"))
    assert sheet.amounts == {"active": (D("144.7"), "mg"), "filler": (D("7055.3"), "mg")}


@pytest.mark.parametrize(
    ("mass", "readability", "shown"),
    [
        (D("16.08"), D(1), D(16)),
        (D("16.5"), D(1), D(17)),  # half up
        (D("16.08"), D("0.1"), D("16.1")),
        (D("16.3"), D("0.5"), D("16.5")),  # 32.6 steps of 0.5 mg -> 33 steps
    ],
)
def test_a_mass_is_what_the_balance_can_show(mass, readability, shown):
    assert weigh(mass, readability) == shown


@pytest.mark.parametrize(
    ("readability", "tolerance", "least"),
    [(D(1), D(5), D(20)), (D("0.1"), D(5), D(2)), (D(1), D(10), D(10))],
)
def test_the_minimum_weighable_quantity_is_readability_over_tolerance(
    readability, tolerance, least
):
    assert minimum_weighable_mg(readability, tolerance) == least


def test_a_naltrexone_weighing_below_the_minimum_is_flagged_with_the_remedy(
    app, verified_order, compound
):
    # 0.5 mg x 32 capsules ÷ 0.995 = 16.08 mg -> 16 mg, under 1 mg ÷ 5% = 20 mg.
    small = compound(verified_order(preparation={"strength": "0.5 mg"}))
    usual = compound(verified_order(patient={"first_name": "Bea"}))  # 145 mg
    with app.app_context():
        cautions = db.session.get(CompoundingRecord, small).cautions
        assert len(cautions) == 1
        assert "16 mg of Naltrexone HCl USP powder (active) is below" in cautions[0]
        assert "1 mg readability ÷ 5% tolerance = 20 mg" in cautions[0]
        assert "larger batch" in cautions[0] and "trituration" in cautions[0]
        assert db.session.get(CompoundingRecord, usual).cautions == []


@pytest.mark.app_config(COMPOUNDING_BALANCE_READABILITY_G="0.0001")
def test_a_finer_balance_is_a_setting(app, verified_order, compound):
    record_id = compound(verified_order(preparation={"strength": "0.5 mg"}))
    with app.app_context():
        found = db.session.get(CompoundingRecord, record_id)
        assert found.components[0].required == D("16.1")
        assert found.cautions == []  # 0.1 mg ÷ 5% = 2 mg


def test_a_reading_the_balance_cannot_give_is_refused(app, signed_in, verified_order, compound):
    record_id = compound(verified_order(preparation={"strength": "0.5 mg"}))
    with app.app_context():
        components = db.session.get(CompoundingRecord, record_id).components
        data = {f"actual-{c.id}": str(c.required) for c in components}
        data[f"actual-{components[0].id}"] = "16.2"
        data |= lot_form(db.session.get(CompoundingRecord, record_id))
    page = signed_in("technician").post(
        f"/compounding/records/{record_id}/weights", data=data, follow_redirects=True
    )
    assert "the balance reads to 1 mg" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CompoundingRecord, record_id).status == "in_progress"


@pytest.fixture
def tablet_capsules(app, catalogue):
    with app.app_context():

        def named(name):
            return db.session.scalars(select(Ingredient).where(Ingredient.name == name)).one()

        db.session.add(
            MasterFormulation(
                family="tablet-caps",
                version=1,
                name=FROM_TABLETS,
                dosage_form="capsule",
                strength_mg=D("1.5"),
                active_ingredient=named("Naltrexone HCl 50 mg tablets"),
                base_ingredient=named("Microcrystalline cellulose (Avicel PH-102)"),
                shell_ingredient=named("Gelatin capsule shells, size 1"),
                container_ingredient=named("Amber vial, 40 dram"),
                capsule_size="1",
                overage_percent=D(5),
                method="Crush, weigh the aliquot, mix with filler, fill.",
                bud_rule="solid",
            )
        )
        db.session.commit()


def aliquot_record(verified_order, compound):
    order_id = verified_order(preparation={"strength": "1.5 mg"}, quantity=60, days_supply=60)
    return compound(order_id, FROM_TABLETS)


def test_the_aliquot_is_a_recorded_weighing_from_the_counted_tablets(
    app, signed_in, verified_order, compound, tablet_capsules
):
    # 60 + 5% = 63 capsules x 1.5 mg = 94.5 mg -> 2 tablets (100 mg), 2 x 300 mg = 600 mg of
    # powder; the aliquot is 600 x 94.5 / 100 = 567 mg; MCC 63 x 225 mg - 567 = 13608 mg.
    record_id = aliquot_record(verified_order, compound)
    with app.app_context():
        found = db.session.get(CompoundingRecord, record_id)
        rows = [
            (c.role, c.required, c.unit, c.weighed, c.from_stock, c.lot.lot_number)
            for c in found.components
        ]
        assert rows[:3] == [
            ("active", D(2), "each", False, True, "T5531A"),
            ("aliquot", D(567), "mg", True, False, "T5531A"),
            ("filler", D(13608), "mg", True, True, "P-771002"),
        ]
        aliquot_id = found.components[1].id
    page = signed_in("technician").get(f"/compounding/records/{record_id}").get_data(as_text=True)
    assert f'name="actual-{aliquot_id}"' in page
    assert "weighed from the crushed tablets" in page


def test_the_aliquot_is_checked_but_not_taken_from_stock_again(
    app, verified_order, compound, weigh_in, tablet_capsules
):
    record_id = aliquot_record(verified_order, compound)
    with app.app_context():
        before = db.session.scalars(select(Lot.on_hand).where(Lot.lot_number == "T5531A")).one()
    weigh_in(record_id, aliquot=D(540))  # 27 / 567 = 4.76%: within 5%
    with app.app_context():
        found = db.session.get(CompoundingRecord, record_id)
        aliquot = next(c for c in found.components if c.role == "aliquot")
        assert (aliquot.actual, aliquot.within_tolerance) == (D(540), True)
        after = db.session.scalars(select(Lot.on_hand).where(Lot.lot_number == "T5531A")).one()
        assert before - after == 2  # the two tablets, counted
        assert not any("aliquot" in line.what for line in cost_lines(found))
        assert [line.kind for line in cost_lines(found)].count("ingredient") == 4


@pytest.mark.parametrize(
    ("aliquot", "within", "acceptable"),
    [
        (D(530), False, True),  # 37 / 567 = 6.53%: a pharmacist decides
        (D(500), False, False),  # 67 / 567 = 11.8%: beyond 10%, discard
    ],
)
def test_an_aliquot_out_of_tolerance_needs_a_decision_or_a_remake(
    app, signed_in, verified_order, compound, weigh_in, tablet_capsules, aliquot, within, acceptable
):
    record_id = aliquot_record(verified_order, compound)
    weigh_in(record_id, aliquot=aliquot)
    pharmacist = signed_in("pharmacist")
    with app.app_context():
        component = next(
            c
            for c in db.session.get(CompoundingRecord, record_id).components
            if c.role == "aliquot"
        )
        assert component.within_tolerance is within
    pharmacist.post(
        f"/compounding/records/{record_id}/components/{component.id}/decision",
        data={"reason": "Re-weighed; blend uniform"},
    )
    pharmacist.post(f"/compounding/records/{record_id}/sign-off")
    with app.app_context():
        status = db.session.get(CompoundingRecord, record_id).status
    assert status == ("signed_off" if acceptable else "awaiting_signoff")


@pytest.mark.parametrize(
    ("actual", "acceptable"),
    [
        (D(159), True),  # 14 / 145 = 9.66%
        (D(160), False),  # 15 / 145 = 10.34%
        (D(131), True),  # 14 / 145 under
        (D(130), False),
        (D(0), False),
    ],
)
def test_a_pharmacist_may_not_accept_naltrexone_beyond_the_discard_limit(
    app, signed_in, verified_order, compound, weigh_in, actual, acceptable
):
    record_id = compound(verified_order())  # 145 mg of powder
    weigh_in(record_id, active=actual)
    pharmacist = signed_in("pharmacist")
    with app.app_context():
        active = db.session.get(CompoundingRecord, record_id).components[0]
        assert active.beyond_limit is not acceptable
    page = pharmacist.post(
        f"/compounding/records/{record_id}/components/{active.id}/decision",
        data={"reason": "balance glitch, ok"},
        follow_redirects=True,
    ).get_data(as_text=True)
    if not acceptable:
        assert "Beyond the ±10% a pharmacist may accept" in page
        assert "Discard this fill and make it again" in page
        assert "Accept the active deviation" not in page
    pharmacist.post(f"/compounding/records/{record_id}/sign-off")
    with app.app_context():
        status = db.session.get(CompoundingRecord, record_id).status
    assert status == ("signed_off" if acceptable else "awaiting_signoff")


def test_a_fill_beyond_the_limit_is_discarded(app, signed_in, verified_order, compound, weigh_in):
    record_id = compound(verified_order())
    weigh_in(record_id, active=D(0))
    pharmacist = signed_in("pharmacist")
    pharmacist.post(f"/compounding/records/{record_id}/discard", data={"reason": "No drug in it"})
    with app.app_context():
        assert db.session.get(CompoundingRecord, record_id).status == "discarded"


@pytest.mark.app_config(COMPOUNDING_DISCARD_LIMIT_PERCENT="15")
def test_the_discard_limit_is_a_setting(app, signed_in, verified_order, compound, weigh_in):
    record_id = compound(verified_order())
    weigh_in(record_id, active=D(160))  # 10.34%: within 15%
    with app.app_context():
        found = db.session.get(CompoundingRecord, record_id)
        assert found.discard_limit_percent == 15
        assert not found.components[0].beyond_limit


def test_a_wrong_tablet_count_for_a_liquid_is_beyond_the_limit(
    app, verified_order, compound, weigh_in
):
    # 100 mL at 1 mg/mL = 100 mg = 2 tablets; 3 tablets is 50% more naltrexone.
    order_id = verified_order(
        preparation={"dosage_form": "oral_liquid", "strength": "1 mg/mL", "excipients": []},
        sig={"dose": "1 mL", "text": "Take 1 mL by mouth at bedtime"},
        quantity=100,
        days_supply=100,
    )
    record_id = compound(order_id)
    weigh_in(record_id, active=D(3))
    with app.app_context():
        active = db.session.get(CompoundingRecord, record_id).components[0]
        assert active.required == 2
        assert (active.within_tolerance, active.beyond_limit) == (False, True)


def test_crushed_tablets_are_scanned_with_the_tablets_lot(
    app, signed_in, verified_order, compound, tablet_capsules
):
    record_id = aliquot_record(verified_order, compound)
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        assert [c.lot.lot_number for c in record.components[:2]] == ["T5531A", "T5531A"]
        other = db.session.scalars(select(Lot.lot_number).where(Lot.lot_number != "T5531A"))
        wrong = next(iter(other))
    technician = signed_in("technician")
    text = weights_post(technician, record, aliquot=wrong).get_data(as_text=True)
    assert f"Wrong lot for the aliquot: {wrong} was scanned" in text
    weights_post(technician, record, aliquot="T5531A")
    with app.app_context():
        assert db.session.get(CompoundingRecord, record_id).status == "awaiting_signoff"
