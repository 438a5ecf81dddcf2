"""What the printed label says for real orders: the prescriber's schedule and sites, release only
where it means something, "Shake well" for suspensions, and no fractional capsules."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pharmacy_app.compounding.models import IngredientKind
from pharmacy_app.labels.services import SHAKE_WELL, needs_shaking
from tests.labels.conftest import pdf_text

# Renders and reads PDFs with WeasyPrint: left out of `scripts/test --quick`, run in CI.
pytestmark = pytest.mark.slow

TITRATION = (
    "Take 1 capsule (1.5 mg) at bedtime for 14 days, then 2 capsules (3 mg) at bedtime for "
    "14 days, then 3 capsules (4.5 mg) at bedtime"
)
CREAM = {
    "preparation": {
        "dosage_form": "topical_cream",
        "release": "",
        "strength": "0.5 mg/mL",
        "excipients": ["Versabase cream"],
    },
    "sig": {"dose": "1 mL", "text": "Apply 1 mL to the inner wrist at bedtime"},
}
LIQUID = {
    "preparation": {
        "dosage_form": "oral_liquid",
        "strength": "1 mg/mL",
        "excipients": ["purified water", "glycerin", "sodium benzoate"],
    },
    "sig": {"dose": "4.5 mL", "text": "Take 4.5 mL by mouth at bedtime"},
    "quantity": 135,
}


def label_text(signed_in, order_id) -> str:
    return pdf_text(signed_in("technician").post(f"/orders/{order_id}/label").data)[0][0]


def test_a_titration_schedule_is_printed_whole_with_its_route(signed_in, ready_order):
    order_id = ready_order(
        preparation={"strength": "1.5 mg"},
        sig={"dose": "1 capsule", "text": TITRATION},
        quantity=84,
        days_supply=42,
    )
    assert TITRATION.replace("(1.5 mg) at", "(1.5 mg) by mouth at") in label_text(
        signed_in, order_id
    )


def test_a_cream_keeps_its_site_and_has_no_release_type(signed_in, ready_order):
    text = label_text(signed_in, ready_order(**CREAM))
    assert "Apply 1 mL to the inner wrist at bedtime" in text
    assert "to the skin as directed" not in text
    assert "Naltrexone HCl 0.5 mg/mL cream" in text
    assert "immediate release" not in text


def test_a_cream_by_weight_is_measured_in_grams(signed_in, ready_order):
    order_id = ready_order(
        preparation=CREAM["preparation"] | {"strength": "0.5 mg/g", "excipients": ["Lipoderm"]},
        sig={"dose": "1 g", "text": ""},
    )
    text = label_text(signed_in, order_id)
    assert "Apply 1 g (0.5 mg) to the skin as directed at bedtime" in text
    assert "Qty 30 g" in text and "Naltrexone HCl 0.5 mg/g cream" in text


def test_a_suspension_from_crushed_tablets_says_shake_well(signed_in, ready_order):
    text = label_text(signed_in, ready_order(**LIQUID))
    assert "Shake well before each use." in text
    assert "Take 4.5 mL (4.5 mg) by mouth at bedtime" in text
    assert "immediate release" not in text
    assert "Shake well" not in label_text(signed_in, ready_order())


def test_twice_a_day_is_not_at_bedtime(signed_in, ready_order):
    order_id = ready_order(
        preparation={"strength": "3 mg"},
        sig={"dose": "3 mg", "times_per_day": 2, "text": "Take 1 capsule by mouth twice daily"},
        quantity=60,
    )
    text = label_text(signed_in, order_id)
    assert "Take 1 capsule (3 mg) by mouth twice a day" in text
    assert "twice a day, at bedtime" not in text and "bedtime" not in text


def test_a_dose_that_is_not_whole_capsules_prints_in_mg(signed_in, ready_order):
    order_id = ready_order(preparation={"strength": "1.5 mg"}, sig={"dose": "2 mg", "text": ""})
    text = label_text(signed_in, order_id)
    assert "Take 2 mg by mouth at bedtime" in text
    assert "1.333" not in text


def formula(**values):
    base = {
        "dosage_form": "oral_liquid",
        "active_ingredient": SimpleNamespace(kind=IngredientKind.ACTIVE_POWDER.value),
        "method": "Dissolve; make up to volume.",
    }
    return SimpleNamespace(**(base | values))


def test_shake_well_comes_from_the_formula():
    tablets = SimpleNamespace(kind=IngredientKind.TABLET.value)
    assert needs_shaking(formula(active_ingredient=tablets))
    assert needs_shaking(formula(dosage_form="sublingual_drops", active_ingredient=tablets))
    assert not needs_shaking(formula())  # a solution made from powder
    assert not needs_shaking(formula(dosage_form="capsule", active_ingredient=tablets))
    assert needs_shaking(formula(method='3. Make up to volume.\n4. Label "Shake well".'))
    # An explicit flag on the formula, when it has one, decides.
    assert not needs_shaking(formula(active_ingredient=tablets, is_suspension=False))
    assert needs_shaking(formula(is_suspension=True))
    assert SHAKE_WELL == "Shake well before each use."


@pytest.mark.parametrize(
    ("changes", "quantity"),
    [
        ({}, "Qty 30 capsules"),
        (LIQUID, "Qty 135 mL"),
        (
            {
                "preparation": {
                    "dosage_form": "sublingual_drops",
                    "release": "",
                    "strength": "1 mg/mL",
                    "excipients": ["glycerin", "purified water"],
                },
                "sig": {"dose": "1 mL", "text": "Place 1 mL under the tongue at bedtime"},
            },
            "Qty 30 mL",
        ),
        (CREAM, "Qty 30 mL"),
        (
            {
                "preparation": CREAM["preparation"]
                | {"strength": "5 mg/10 g", "excipients": ["Lipoderm"]},
                "sig": {"dose": "1 g", "text": ""},
            },
            "Qty 30 g",
        ),
    ],
    ids=["capsules", "oral liquid", "drops", "cream by volume", "cream by weight"],
)
def test_the_quantity_is_counted_in_the_preparations_own_unit(
    signed_in, ready_order, changes, quantity
):
    assert quantity in label_text(signed_in, ready_order(**changes))


ISSUE_TITRATION = {
    "preparation": {"strength": "1.5 mg"},
    "sig": {"dose": "1 capsule", "text": "1.5 mg x 2 weeks then 3 mg x 2 weeks then 4.5 mg"},
    "quantity": 84,
    "days_supply": 42,
}
ISSUE_LABEL = (
    "Take 1 capsule (1.5 mg) by mouth at bedtime for 2 weeks, then 2 capsules (3 mg) at "
    "bedtime for 2 weeks, then 3 capsules (4.5 mg) at bedtime"
)


def test_a_titration_label_gives_each_steps_capsules_on_every_stock(app, signed_in, ready_order):
    from tests.labels.test_labels import stocks

    order_id = ready_order(**ISSUE_TITRATION)
    for stock_id, name, *_ in stocks(app):
        response = signed_in("technician").post(
            f"/orders/{order_id}/label", data={"stock": stock_id}
        )
        pages, _sizes = pdf_text(response.data)
        assert len(pages) == 1, name
        assert ISSUE_LABEL in pages[0], name
        assert "Hawthorne" in pages[0], name  # the last line: nothing cut
