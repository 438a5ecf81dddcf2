"""Who sees money: what a fill cost the pharmacy is for pharmacists and admins (the
VIEW_COSTS permission); the price a patient pays is for every member of staff."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from pharmacy_app.accounts.models import PERMISSIONS, Permission, Role
from tests.costs.test_costs import cost_of, dispense_fill
from tests.labels.conftest import record_for

SEES_COSTS = {"technician": False, "pharmacist": True, "admin": True}


def pdf_words(data: bytes) -> str:
    return " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def dispensed(app, make_user, ready_order):
    """(order id, record id, its frozen cost record) for a fill dispensed at the default price."""
    order_id = ready_order()
    cost, _lines = cost_of(app, dispense_fill(app, order_id, make_user("pharmacist").id))
    return order_id, record_for(app, order_id)[0].id, cost


def test_only_pharmacists_and_admins_may_see_costs():
    assert {role.value: Permission.VIEW_COSTS in PERMISSIONS[role] for role in Role} == SEES_COSTS


@pytest.mark.parametrize("role", sorted(SEES_COSTS))
def test_the_order_page_shows_the_charge_to_all_and_the_cost_by_role(signed_in, dispensed, role):
    order_id, _record_id, cost = dispensed
    page = signed_in(role).get(f"/orders/{order_id}").get_data(as_text=True)
    assert f"charged {cost.price}" in page
    assert (f"(cost {cost.total_cost})" in page) is SEES_COSTS[role]


@pytest.mark.parametrize("role", sorted(SEES_COSTS))
def test_lot_unit_costs_are_shown_by_role(signed_in, catalogue, role):
    page = signed_in(role).get("/compounding/lots").get_data(as_text=True)
    assert ("<th>Unit cost</th>" in page) is SEES_COSTS[role]
    assert (" / g</td>" in page) is SEES_COSTS[role]  # a lot's cost per gram
    assert 'name="unit_cost"' in page  # a technician still types it in when receiving a lot


@pytest.mark.parametrize("role", sorted(SEES_COSTS))
def test_the_cost_reports_and_their_files_follow_the_permission(signed_in, role):
    client = signed_in(role)
    expected = 200 if SEES_COSTS[role] else 403
    for path in (
        "/reports/monthly",
        "/reports/monthly.csv?month=2026-01",
        "/reports/monthly.pdf?month=2026-01",
        "/costs/prices",
    ):
        assert client.get(path).status_code == expected, path
    home = client.get("/").get_data(as_text=True)
    assert ('href="/reports/monthly"' in home) is SEES_COSTS[role]


@pytest.mark.slow
def test_no_page_or_file_a_technician_opens_shows_what_the_fill_cost(
    app, signed_in, api, dispensed
):
    order_id, record_id, cost = dispensed
    figures = {str(cost.total_cost), str(cost.ingredient_cost)}
    technician = signed_in("technician")
    seen = {
        "order page": technician.get(f"/orders/{order_id}").get_data(as_text=True),
        "record": technician.get(f"/compounding/records/{record_id}").get_data(as_text=True),
        "dispensing": technician.get(f"/compounding/records/{record_id}/dispense").get_data(
            as_text=True
        ),
        "worksheet": pdf_words(
            technician.get(f"/compounding/records/{record_id}/worksheet.pdf").data
        ),
        # The fill was dispensed: its label is a confirmed reprint.
        "label": pdf_words(
            technician.post(f"/orders/{order_id}/label", data={"confirm_reprint": "y"}).data
        ),
        "patient sheet": pdf_words(technician.get(f"/orders/{order_id}/patient-sheet.pdf").data),
        "API order": api.get(f"/api/v1/orders/{order_id}").get_data(as_text=True),
    }
    assert str(cost.price) in seen["order page"]
    for name, text in seen.items():
        assert not any(figure in text for figure in figures), name
