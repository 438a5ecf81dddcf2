"""The one next step an order's page offers (dispensing/next_step.py), for each state of the
order and its current fill and each role: never a button the server would refuse."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from pharmacy_app.accounts.models import PERMISSIONS, Role
from pharmacy_app.compounding.expiry import FillMark
from pharmacy_app.compounding.models import RecordStatus
from pharmacy_app.compounding.refill_timing import TooSoon
from pharmacy_app.dispensing.next_step import OrderFacts, Step, next_step
from pharmacy_app.orders.models import OrderStatus

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


class Someone:
    def __init__(self, role: Role) -> None:
        self.role = role

    def can(self, permission) -> bool:
        return permission in PERMISSIONS[self.role]


TECH, PHARMACIST, ADMIN = Someone(Role.TECHNICIAN), Someone(Role.PHARMACIST), Someone(Role.ADMIN)


def fill(status=RecordStatus.SIGNED_OFF, dispensed=False, released=False, substituted=False):
    return SimpleNamespace(
        status=status,
        substitution_pending=substituted,
        dispensed_at=NOW if dispensed else None,
        released_at=NOW if released else None,
        fill_number=1,
        batch_number="B261201-0001",
    )


def facts(current=None, **changes):
    values = {
        "current": current,
        "labelled": False,
        "mark": None,
        "renewal": None,
        "prescription_expired": False,
        "can_request": False,
        "too_soon": None,
    }
    return OrderFacts(**(values | changes))


def step(status, user=TECH, **given):
    found = next_step(SimpleNamespace(status=status), facts(**given), user)
    return found.step if found else None


TOO_SOON = TooSoon(
    "B1", dt.date(2026, 11, 20), 30, Decimal(80), dt.date(2026, 12, 14), dt.date(2026, 12, 1)
)
V, C, R, D = (
    OrderStatus.VERIFIED,
    OrderStatus.COMPOUNDED,
    OrderStatus.REFILLABLE,
    OrderStatus.DISPENSED,
)
BEING_MADE = {"current": fill(RecordStatus.IN_PROGRESS)}
SUBSTITUTED = {"current": fill(RecordStatus.IN_PROGRESS, substituted=True)}
WEIGHED = {"current": fill(RecordStatus.AWAITING_SIGNOFF)}
SIGNED = {"current": fill()}
LABELLED = {"current": fill(), "labelled": True}
RELEASED = {"current": fill(released=True), "labelled": True}
GONE = {"current": fill(dispensed=True)}
RX_EXPIRED = {"prescription_expired": True, "renewal": "Expired"}
EXPIRED_FILL = {"mark": FillMark("expired", "Expired")}
SHORT = {"mark": FillMark("short-supply", "Short")}


@pytest.mark.parametrize(
    "status, given, user, expected",
    [
        (OrderStatus.DRAFT, {}, TECH, Step.COMPLETE_ENTRY),
        (OrderStatus.CHECKED, {}, TECH, Step.AWAIT_VERIFICATION),
        (OrderStatus.CHECKED, {}, ADMIN, Step.AWAIT_VERIFICATION),
        (OrderStatus.CHECKED, {}, PHARMACIST, Step.VERIFY),
        (V, {}, TECH, Step.COMPOUND),
        # A fill being made: continue it, never a second Compound (which would refuse).
        (V, BEING_MADE, TECH, Step.CONTINUE_FILL),
        (V, WEIGHED, TECH, Step.AWAIT_SIGNOFF),
        # A substitution waiting for its decision: nothing is weighed until then.
        (V, SUBSTITUTED, TECH, Step.AWAIT_SUBSTITUTION),
        (V, SUBSTITUTED, PHARMACIST, Step.DECIDE_SUBSTITUTION),
        (V, WEIGHED, PHARMACIST, Step.SIGN_OFF),
        (C, SIGNED, TECH, Step.PRINT_LABEL),
        (C, LABELLED, TECH, Step.FINAL_CHECK),
        (C, RELEASED, TECH, Step.DISPENSE),
        # Gates: an expired fill is discarded, a short supply decided, before anything else.
        (C, LABELLED | EXPIRED_FILL, TECH, Step.DISCARD),
        (C, SIGNED | SHORT, PHARMACIST, Step.DECIDE_SUPPLY),
        (C, RELEASED | RX_EXPIRED, TECH, Step.RENEW),
        # After a fill is dispensed: a refill is asked for first; none left, a renewal.
        (R, GONE | {"can_request": True}, TECH, Step.REQUEST_REFILL),
        (R, GONE | RX_EXPIRED, TECH, Step.RENEW),
        (V, GONE, TECH, Step.COMPOUND),
        (V, GONE | {"too_soon": TOO_SOON}, TECH, Step.REFILL_NOT_DUE),
        (V, GONE | {"too_soon": TOO_SOON}, PHARMACIST, Step.COMPOUND),
        (V, GONE | RX_EXPIRED, TECH, Step.RENEW),
        (D, GONE | {"renewal": "No refills are left."}, TECH, Step.RENEW),
        (D, GONE, TECH, None),
        (OrderStatus.REJECTED, SIGNED, PHARMACIST, None),
    ],
)
def test_the_next_step_for_each_state(status, given, user, expected):
    assert step(status, user, **given) == expected


def test_a_signed_off_fill_offers_its_first_label(app, signed_in, ready_order):
    """A fill just signed off: Print label is the step, and none of the buttons that would
    refuse (Compound, Final check, Dispense) shows."""
    pharmacist = signed_in("pharmacist")
    order_id = ready_order()
    page = pharmacist.get(f"/orders/{order_id}").get_data(as_text=True)
    assert _step(page) == "print_label"
    assert "Print label · fill 1" in page
    for refused in (">Compound<", "Final check…", "Dispense…", ">Reprint label"):
        assert refused not in page


def test_the_page_walks_a_fill_from_label_to_pick_up(app, signed_in, ready_order, make_user):
    from pharmacy_app.compounding.models import CompoundingRecord
    from pharmacy_app.extensions import db
    from tests.fills import dispense_through_page

    technician = signed_in("technician")
    order_id = ready_order(refills=0)
    assert technician.post(f"/orders/{order_id}/label").status_code == 200
    page = technician.get(f"/orders/{order_id}").get_data(as_text=True)
    assert _step(page) == "final_check" and "Final check…" in page
    # Printed once: the page offers a reprint (recorded as such), not the first print.
    assert "Reprint label · fill 1" in page and "Dispense…" not in page
    with app.app_context():
        record_id = db.session.scalars(
            db.select(CompoundingRecord.id).where(CompoundingRecord.order_id == order_id)
        ).one()
    from tests.fills import release_in

    release_in(app, record_id, make_user("pharmacist"))
    page = technician.get(f"/orders/{order_id}").get_data(as_text=True)
    assert _step(page) == "dispense" and "Final check…" not in page
    assert dispense_through_page(app, technician, record_id).status_code in (302, 303)
    # Closed (no refills): nothing left but a renewal, and no Reject (it would refuse).
    pharmacist = signed_in("pharmacist")
    page = pharmacist.get(f"/orders/{order_id}").get_data(as_text=True)
    assert _step(page) == "renew"
    assert ">Reject<" not in page and "Dispense…" not in page


def _step(page: str) -> str | None:
    found = re.findall(r'class="actions next-step" data-step="(\w+)"', page)
    assert len(found) <= 1, found
    return found[0] if found else None


def test_a_refill_being_made_offers_to_continue_it_and_no_compound(
    app, signed_in, dispensed_order, staff
):
    from pharmacy_app.dispensing.refills import request_refill
    from pharmacy_app.extensions import db
    from pharmacy_app.orders.models import Order
    from tests.dispensing.conftest import start_refill

    technician, _ = staff
    order_id = dispensed_order(days_ago=28)
    client = signed_in("technician")
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    # Fill 1 has left: the next step is the refill's request, and its label is only a
    # confirmed reprint.
    assert _step(page) == "request_refill" and 'href="#refill-request"' in page
    assert 'id="refill-request"' in page and 'name="confirm_reprint"' in page
    with app.app_context():
        request_refill(db.session.get(Order, order_id), "patient", "phone", None)
        db.session.commit()
    assert _step(client.get(f"/orders/{order_id}").get_data(as_text=True)) == "compound"
    record = start_refill(app, order_id, technician)
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert _step(page) == "continue_fill"
    assert f"Continue fill 2 ({record.batch_number})" in page
    # No Compound (it would refuse: a fill is being made), and no label at all: neither the
    # refill's (not signed off) nor fill 1's in its place.
    assert ">Compound<" not in page and "Print label" not in page and "Reprint label" not in page
