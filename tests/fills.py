"""Taking a fill through the scans a pharmacy makes, for tests that need a fill further along:
the lots scanned at compounding, the final check's scans and signed release, the hand-over
recorded at dispensing. Each goes through the services, as the pages do."""

from __future__ import annotations

from typing import Any

from pharmacy_app.accounts.models import Role, User
from pharmacy_app.accounts.services import create_user
from pharmacy_app.barcodes import fill_code
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.dispensing.final_check import confirm_signature, release
from pharmacy_app.dispensing.pickup import Handover
from pharmacy_app.extensions import db
from tests.conftest import PASSWORD


def lots_scanned(record: CompoundingRecord) -> dict[int, str]:
    """Each component's lot as the technician scans it: the worksheet's lot."""
    return {c.id: c.lot.lot_number for c in record.components}


def code_of(record: CompoundingRecord) -> str:
    """The fill code its label's barcode carries."""
    return fill_code(record.order.rx_number, record.fill_number)


def release_fill(record: CompoundingRecord, pharmacist: User) -> None:
    """The pharmacist's final check of a labelled fill: the label and the container scanned,
    the release signed with the pharmacist's password (not committed)."""
    signer = db.session.get(User, pharmacist.id)
    assert signer is not None
    release(
        record,
        confirm_signature(signer, PASSWORD, "127.0.0.1"),
        label_scan=code_of(record),
        container_scan=record.batch_number,
    )


def handover(record: CompoundingRecord, method: str = "picked_up", **changes: Any) -> Handover:
    """The hand-over of a fill, as recorded at the counter (or for a shipment)."""
    if method == "picked_up":
        values: dict[str, Any] = {
            "collected_by": "Pat Patient",
            "relation": "self",
            "id_checked": True,
        }
    else:
        values = {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}
    return Handover(bag_scan=code_of(record), counselling="accepted", **(values | changes))


def handover_form(code: str, method: str = "picked_up", **changes: str) -> dict[str, str]:
    """The dispense form's hand-over fields, as the counter fills them in."""
    if method == "picked_up":
        values = {"collected_by": "Pat Patient", "relation": "self", "id_checked": "yes"}
    else:
        values = {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"}
    return {"method": method, "bag_scan": code, "counselling": "accepted", **values} | changes


def a_pharmacist() -> User:
    """A new pharmacist in the current session (password PASSWORD), to release a fill."""
    count = db.session.query(User).count()
    user = create_user(f"releaser{count + 1}", "Releasing Pharmacist", Role.PHARMACIST, PASSWORD)
    db.session.flush()
    return user


def release_in(app: Any, record_id: int, pharmacist: User) -> None:
    """Release a labelled fill in its own transaction (for tests that go on through pages)."""
    with app.app_context():
        release_fill(db.get_or_404(CompoundingRecord, record_id), pharmacist)
        db.session.commit()


def lot_form(record: CompoundingRecord) -> dict[str, str]:
    """The weights form's lot scan fields, each scanned with the worksheet's lot."""
    return {f"lot-{c.id}": c.lot.lot_number for c in record.components}


def dispense_through_page(app: Any, client: Any, record_id: int, release_by: User | None = None):
    """Post the dispense form for a fill as the counter does (its bag label scanned, the
    hand-over filled in), after releasing it as `release_by` when given."""
    with app.app_context():
        record = db.get_or_404(CompoundingRecord, record_id)
        if release_by is not None:
            release_fill(record, release_by)
            db.session.commit()
        code = code_of(record)
    return client.post(f"/compounding/records/{record_id}/dispense", data=handover_form(code))
