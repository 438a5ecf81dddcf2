"""The hand-over of a released fill: at pick-up the bag label is scanned and the app records
who collected it (name, relation to the patient, whether their ID was checked); a shipment
records its carrier and tracking number; either way the counselling offer and its answer,
required as COUNSEL_OFFER_REQUIRED says (OBRA '90: an offer to counsel on a new
prescription). What is recorded is kept on the fill and written into the order's history."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..barcodes import fill_code
from ..compounding.models import CompoundingRecord
from ..settings import settings
from ..workflow import WorkflowError, visible_text
from .final_check import check_label_scan

# Who may collect a patient's fill, as the pharmacist records it.
RELATIONS = {
    "self": "the patient",
    "spouse": "spouse or partner",
    "parent": "parent or guardian",
    "child": "son or daughter",
    "caregiver": "caregiver",
    "other": "someone else",
}
COUNSELLING_ANSWERS = {"accepted": "counselling accepted", "declined": "counselling declined"}
TEXT_MAX = 120


@dataclass(frozen=True, slots=True)
class Handover:
    """What the person at the counter (or packing a shipment) records when the fill leaves."""

    bag_scan: str = ""
    collected_by: str = ""
    relation: str = ""
    id_checked: bool | None = None  # None: not said
    counselling: str = ""  # accepted / declined; "" when not offered
    carrier: str = ""
    tracking_number: str = ""


def counselling_required(record: CompoundingRecord) -> bool:
    """Whether this fill's dispensing must record the counselling offer and its answer."""
    when = settings().counsel_offer_required
    return when == "every" or (when == "new" and record.fill_number == 1)


def checked_handover(
    record: CompoundingRecord, method: str, handover: Handover | None
) -> dict[str, Any]:
    """The hand-over as it is stored, or WorkflowError at the field that is missing or does
    not match the fill."""
    given = handover or Handover()
    check_label_scan(record, given.bag_scan, field="bag_scan", what="bag label")
    for name in ("collected_by", "carrier", "tracking_number"):
        visible_text(getattr(given, name), name)
    if method == "picked_up":
        if not given.collected_by.strip():
            raise WorkflowError("Say who collected the fill (their name).", field="collected_by")
        if given.relation not in RELATIONS:
            raise WorkflowError(
                "Say who the person collecting is to the patient.", field="relation"
            )
        if given.id_checked is None:
            raise WorkflowError("Say whether their ID was checked.", field="id_checked")
    else:
        if not given.carrier.strip():
            raise WorkflowError("Name the carrier the fill was shipped with.", field="carrier")
        if not given.tracking_number.strip():
            raise WorkflowError("Enter the shipment's tracking number.", field="tracking_number")
    if given.counselling and given.counselling not in COUNSELLING_ANSWERS:
        raise WorkflowError("Choose accepted or declined.", field="counselling")
    if not given.counselling and counselling_required(record):
        raise WorkflowError(
            "Offer counselling and record the answer: "
            + (
                "required for a new prescription."
                if record.fill_number == 1
                else "this pharmacy records it at every fill."
            ),
            field="counselling",
        )
    stored = {
        key: value.strip()[:TEXT_MAX] if isinstance(value, str) else value
        for key, value in asdict(given).items()
    }
    stored["bag_scan"] = fill_code(record.order.rx_number, record.fill_number)
    if method == "picked_up":
        for key in ("carrier", "tracking_number"):
            stored.pop(key)
    else:
        for key in ("collected_by", "relation", "id_checked"):
            stored.pop(key)
    return stored


def handover_text(stored: dict[str, Any] | None) -> str:
    """The hand-over in a sentence, for the history and the dispensing page."""
    if not stored:
        return ""
    parts = [f"bag label {stored['bag_scan']} scanned"]
    if stored.get("collected_by"):
        parts.append(
            f"collected by {stored['collected_by']} "
            f"({RELATIONS.get(stored.get('relation', ''), 'relation not recorded')}), ID "
            + ("checked" if stored.get("id_checked") else "not checked")
        )
    if stored.get("carrier"):
        parts.append(f"shipped with {stored['carrier']}, tracking {stored['tracking_number']}")
    parts.append(COUNSELLING_ANSWERS.get(stored.get("counselling", ""), "counselling not offered"))
    return "; ".join(parts)
