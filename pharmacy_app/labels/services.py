"""Label work: which fills may print, what a label says, the print record, dispensing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from ..accounts.models import Permission, User
from ..accounts.services import pharmacy_details
from ..compounding.models import CompoundingRecord, RecordStatus
from ..costs.models import CostRecord
from ..costs.services import freeze_cost, pharmacy_zone
from ..extensions import db
from ..orders.models import Order, OrderStatus
from ..orders.services import WorkflowError, record_event
from ..timeutil import utcnow
from .directions import plain_directions
from .models import LabelPrint, LabelStock

COMPOUNDED_STATEMENT = "This is a compounded preparation."
WARNINGS = (
    "Do not take with opioid pain medicines, opioid cough medicines or opioid addiction "
    "treatment: this medicine blocks them.",
    "May cause vivid dreams or sleep disturbance.",
)
FEDERAL_CAUTION = (
    "Caution: Federal law prohibits the transfer of this drug to any person "
    "other than the patient for whom it was prescribed."
)
DOSAGE_FORMS = {
    "capsule": "capsules",
    "oral_liquid": "oral liquid",
    "sublingual_drops": "sublingual drops",
    "topical_cream": "cream",
}
DISPENSE_METHODS = {"picked_up": "picked up by the patient", "shipped": "shipped"}


def label_problem(record: CompoundingRecord) -> str | None:
    """Why this fill may not have a label yet; None when it may."""
    if record.status != RecordStatus.SIGNED_OFF.value:
        return (
            f"Fill {record.batch_number} is {RecordStatus(record.status).label}: only a "
            "fill signed off by a pharmacist gets a label."
        )
    if record.order.status not in (
        OrderStatus.COMPOUNDED.value,
        OrderStatus.VERIFIED.value,
        OrderStatus.DISPENSED.value,
    ):
        return f"The order is {record.order.status}."
    return None


def latest_fill(order: Order) -> CompoundingRecord | None:
    return db.session.scalars(
        select(CompoundingRecord)
        .where(
            CompoundingRecord.order_id == order.id,
            CompoundingRecord.status != RecordStatus.DISCARDED.value,
        )
        .order_by(CompoundingRecord.fill_number.desc(), CompoundingRecord.id.desc())
        .limit(1)
    ).first()


def order_label_problem(order: Order) -> tuple[CompoundingRecord | None, str | None]:
    """The fill to label for an order, or why there is none."""
    if order.status in (OrderStatus.DRAFT.value, OrderStatus.CHECKED.value):
        return (
            None,
            "The order is not verified yet: a label comes after verification and a "
            "signed-off compounding record.",
        )
    if order.status == OrderStatus.REJECTED.value:
        return None, "The order was rejected."
    record = latest_fill(order)
    if record is None:
        return None, "The order has no compounding record yet: compound it first."
    return record, label_problem(record)


def label_values(record: CompoundingRecord) -> dict[str, Any]:
    """Everything the label prints, as plain values (no live ORM objects in templates)."""
    order = record.order
    check = order.latest_check
    dose = check.dose if check else {}

    def dec(key: str) -> Decimal | None:
        value = dose.get(key)
        return Decimal(value) if value is not None else None

    unit = "capsules" if order.dosage_form == "capsule" else "mL"
    strength = (
        f"{_plain(order.strength_mg)} mg"
        if order.strength_per is None
        else f"{_plain(order.strength_mg)} mg/{order.strength_per}"
    )
    released = record.signed_off_at or record.created_at
    # The date a patient reads is the pharmacy's own date, not UTC's.
    filled = (
        (released if released.tzinfo else released.replace(tzinfo=dt.UTC))
        .astimezone(pharmacy_zone())
        .date()
    )

    return {
        "pharmacy": pharmacy_details(),
        "rx_number": order.rx_number,
        "date_filled": filled.strftime("%m/%d/%Y"),
        "patient": order.patient.full_name,
        "prescriber": ", ".join(
            p for p in (order.prescriber.name, order.prescriber.credential) if p
        ),
        "drug": f"Naltrexone HCl {strength}",
        "form": f"{DOSAGE_FORMS.get(order.dosage_form, order.dosage_form)}, immediate release",
        "directions": plain_directions(
            order.dosage_form,
            dec("mg_per_dose"),
            order.strength_mg,
            dec("ml_per_dose"),
            order.times_per_day,
            order.time_of_day,
            order.sig_text,
        ),
        "quantity": f"{_plain(order.quantity)} {unit}",
        "refills": max(order.refills - (record.fill_number - 1), 0),
        "discard_after": record.beyond_use_date.strftime("%m/%d/%Y"),
        "storage": record.storage,
        "batch": record.batch_number,
        "compounded": COMPOUNDED_STATEMENT,
        "warnings": WARNINGS,
        "caution": FEDERAL_CAUTION,
    }


def record_print(
    record: CompoundingRecord, stock: LabelStock, user: User, batch: bool = False
) -> LabelPrint:
    earlier = (
        db.session.scalar(
            select(func.count()).select_from(LabelPrint).where(LabelPrint.record_id == record.id)
        )
        or 0
    )
    printed = LabelPrint(
        record=record, stock=stock, printed_by=user, reprint=earlier > 0, batch=batch
    )
    db.session.add(printed)
    record_event(
        record.order,
        user,
        "label reprinted" if earlier else "label printed",
        f"{record.batch_number} on {stock.name}",
    )
    return printed


def ready_to_label() -> list[CompoundingRecord]:
    """Signed-off fills not yet dispensed, oldest order first."""
    return list(
        db.session.scalars(
            select(CompoundingRecord)
            .join(CompoundingRecord.order)
            .where(
                CompoundingRecord.status == RecordStatus.SIGNED_OFF.value,
                CompoundingRecord.dispensed_at.is_(None),
            )
            .order_by(Order.created_at, Order.id)
        )
    )


def dispense(
    record: CompoundingRecord,
    method: str,
    note: str,
    user: User,
    price_override: Decimal | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> CostRecord:
    """The patient received the fill (or it was shipped): the fill is closed, its cost and
    price frozen; a refill, if any are left, may be compounded next."""
    if record.status != RecordStatus.SIGNED_OFF.value or record.dispensed_at is not None:
        raise WorkflowError("Only a signed-off fill that is not yet dispensed can be dispensed.")
    if method not in DISPENSE_METHODS:
        raise WorkflowError("Say whether the fill was picked up or shipped.")
    if price_override is not None and not user.can(Permission.VERIFY):
        raise WorkflowError("Only a pharmacist can change the price.")
    if not db.session.scalar(
        select(func.count()).select_from(LabelPrint).where(LabelPrint.record_id == record.id)
    ):
        raise WorkflowError("Print the label before dispensing.")
    record.dispensed_at, record.dispensed_by = at or utcnow(), user
    record.dispense_method, record.dispense_note = method, note.strip()
    cost = freeze_cost(record, record.dispensed_at, price_override, reason)
    order = record.order
    left = order.refills - (record.fill_number - 1)
    charged = f"charged {cost.price} {cost.currency}"
    if left > 0:
        order.status = OrderStatus.VERIFIED.value
        record_event(
            order,
            user,
            "dispensed",
            f"{record.batch_number} {DISPENSE_METHODS[method]}; {charged}; {left} refill(s) left",
        )
    else:
        order.status = OrderStatus.DISPENSED.value
        record_event(
            order,
            user,
            "dispensed",
            f"{record.batch_number} "
            f"{DISPENSE_METHODS[method]}; {charged}; no refills left: prescription "
            "closed",
        )
    return cost


def default_stock() -> LabelStock:
    stock = db.session.scalars(
        select(LabelStock).order_by(LabelStock.is_default.desc(), LabelStock.id).limit(1)
    ).first()
    if stock is None:
        raise WorkflowError("No label stock is set up: an admin adds one under Label stocks.")
    return stock


def _plain(value: Any) -> str:
    return format(Decimal(value).normalize(), "f")
