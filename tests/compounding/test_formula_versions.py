"""Formula families and version numbers come from the database, never the clock: saving the
same formula again, or the same change twice, is refused at the name with the reason."""

from __future__ import annotations

from sqlalchemy import func, select

from pharmacy_app.compounding import formulas
from pharmacy_app.compounding.models import MasterFormulation
from pharmacy_app.extensions import db
from tests.compounding.test_formulas_and_lots import formula_data

NAME = "Naltrexone 2.25 mg capsules, MCC, size 1"


def stored(app, name=NAME):
    with app.app_context():
        return [
            (m.family, m.version, m.is_current)
            for m in db.session.scalars(
                select(MasterFormulation)
                .where(func.lower(MasterFormulation.name) == name.lower())
                .order_by(MasterFormulation.id)
            )
        ]


def test_the_same_new_formula_saved_three_times_at_once_is_stored_once(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    answers = [pharmacist.post("/compounding/formulas/new", data=formula_data(app)) for _ in "123"]
    assert [a.status_code for a in answers] == [302, 200, 200]
    for answer in answers[1:]:
        assert f"A formula named {NAME} already exists (version 1)" in answer.get_data(as_text=True)
    assert stored(app) == [("naltrexone-2-25-mg-capsules-mcc-size-1", 1, True)]


def test_a_formula_whose_name_makes_a_taken_family_gets_the_next_free_number(
    app, signed_in, catalogue
):
    pharmacist = signed_in("pharmacist")
    for name in ("LDN 2.25 mg", "ldn 2-25 MG", "LDN: 2.25 mg!"):
        answer = pharmacist.post("/compounding/formulas/new", data=formula_data(app, name=name))
        assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        families = db.session.scalars(
            select(MasterFormulation.family)
            .where(MasterFormulation.family.startswith("ldn-2-25-mg"))
            .order_by(MasterFormulation.id)
        ).all()
    assert families == ["ldn-2-25-mg", "ldn-2-25-mg-2", "ldn-2-25-mg-3"]


def test_the_same_change_sent_twice_makes_one_new_version(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    first = pharmacist.post("/compounding/formulas/new", data=formula_data(app))
    first_id = int(first.headers["Location"].rsplit("/", 1)[1])
    changed = formula_data(app, overage_percent="8")
    answers = [
        pharmacist.post(f"/compounding/formulas/{first_id}/new-version", data=changed) for _ in "12"
    ]
    assert [a.status_code for a in answers] == [302, 200]
    text = answers[1].get_data(as_text=True)
    assert f"Version 2 of {NAME} was saved after the version 1 this change starts from" in text
    family = "naltrexone-2-25-mg-capsules-mcc-size-1"
    assert stored(app) == [(family, 1, False), (family, 2, True)]


def test_a_new_version_may_not_take_the_name_of_another_current_formula(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    pharmacist.post("/compounding/formulas/new", data=formula_data(app, name="Other LDN"))
    first = pharmacist.post("/compounding/formulas/new", data=formula_data(app))
    first_id = int(first.headers["Location"].rsplit("/", 1)[1])
    answer = pharmacist.post(
        f"/compounding/formulas/{first_id}/new-version", data=formula_data(app, name="other ldn")
    )
    assert answer.status_code == 200
    assert "A formula named Other LDN already exists" in answer.get_data(as_text=True)
    # Keeping its own name is no conflict.
    kept = pharmacist.post(f"/compounding/formulas/{first_id}/new-version", data=formula_data(app))
    assert kept.status_code == 302


def test_a_save_that_loses_a_race_is_refused_at_the_name_not_a_500(
    app, signed_in, catalogue, monkeypatch
):
    """Two pharmacists save the same new formula at the same moment: both pass the checks
    before either commits, and the unique (family, version) refuses the second."""
    pharmacist = signed_in("pharmacist")
    assert pharmacist.post("/compounding/formulas/new", data=formula_data(app)).status_code == 302
    real_name_check = formulas._refuse_taken_name
    stale = {"checks": 1}

    def name_check_before_the_other_commit(name, family):
        if stale["checks"]:
            stale["checks"] -= 1
            return None
        return real_name_check(name, family)

    monkeypatch.setattr(formulas, "_refuse_taken_name", name_check_before_the_other_commit)
    monkeypatch.setattr(formulas, "_free_family", lambda slug: slug)
    answer = pharmacist.post("/compounding/formulas/new", data=formula_data(app))
    assert answer.status_code == 200
    assert f"A formula named {NAME} already exists" in answer.get_data(as_text=True)
    assert len(stored(app)) == 1
