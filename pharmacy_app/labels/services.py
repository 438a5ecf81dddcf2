"""Label work: which fills may print, what a label says, the print record."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, func, select

from ..accounts.models import User
from ..accounts.services import pharmacy_details
from ..barcodes import fill_code
from ..checks import DosageForm
from ..compounding.bud import BudRule
from ..compounding.expiry import expiry_problem
from ..compounding.models import CompoundingRecord, IngredientKind, MasterFormulation, RecordStatus
from ..compounding.services import fill_mismatch
from ..extensions import db
from ..orders.history import lock_order, record_event
from ..orders.models import DISPENSABLE_ORDERS, LABELLED_ORDERS, Order, OrderStatus
from ..orders.titration import schedule_of
from ..timeutil import pharmacy_time, pharmacy_today, utcnow
from ..workflow import WorkflowError
from .directions import Sig, label_directions
from .models import LabelPrint, LabelStock
from .profiles import current_profile

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
# Release is a property of a solid oral dose (a capsule's filler can slow it: the LDN Research
# Trust's reason for asking for immediate release). A liquid, drops or a cream has no release
# to speak of, and "immediate release" on a cream would only puzzle the patient.
RELEASE_SHOWN_FOR = frozenset({"capsule"})
LIQUID_FORMS = frozenset({"oral_liquid", "sublingual_drops"})
SHAKE_WELL = "Shake well before each use."
REFRIGERATE = "Refrigerate, do not freeze."
# A written labelling instruction in the formula's method: 'Label "Shake well"'.
SHAKE_WELL_IN_METHOD = re.compile(r"\blabel\b[^.\n]*?(?<!not )\bshake\s+well\b", re.IGNORECASE)


def label_problem(record: CompoundingRecord, today: dt.date | None = None) -> str | None:
    """Why this fill may not have a label on `today` (the pharmacy's date); None when it
    may."""
    if record.status != RecordStatus.SIGNED_OFF:
        return (
            f"Fill {record.batch_number} is {record.status.label}: only a "
            "fill signed off by a pharmacist gets a label."
        )
    if record.order.status not in LABELLED_ORDERS:
        return f"The order is {record.order.status.label}: its fill gets no label."
    # gates: never a label for an expired fill, nor one whose BUD cuts its supply short
    # without a pharmacist's acceptance.
    return fill_mismatch(record) or expiry_problem(record, today or pharmacy_today())


def latest_fill(order: Order) -> CompoundingRecord | None:
    return db.session.scalars(
        select(CompoundingRecord)
        .where(
            CompoundingRecord.order_id == order.id,
            CompoundingRecord.status != RecordStatus.DISCARDED,
        )
        .order_by(CompoundingRecord.fill_number.desc(), CompoundingRecord.id.desc())
        .limit(1)
    ).first()


def order_label_problem(order: Order) -> tuple[CompoundingRecord | None, str | None]:
    """The fill to label for an order, or why there is none."""
    if order.status in (OrderStatus.DRAFT, OrderStatus.CHECKED):
        return (
            None,
            "The order is not verified yet: a label comes after verification and a "
            "signed-off compounding record.",
        )
    if order.status == OrderStatus.REJECTED:
        return None, "The order was rejected."
    record = latest_fill(order)
    if record is None:
        return None, "The order has no compounding record yet: compound it first."
    return record, label_problem(record)


@dataclass(frozen=True, slots=True)
class LabelOffer:
    """The label an order's page offers: always its current fill's, never an older one's."""

    record: CompoundingRecord
    reprint: bool  # printed before: this one is recorded as a reprint
    dispensed: bool  # the fill has left: its label is a reprint, printed only when confirmed


def label_offer(current: CompoundingRecord | None, printed: bool) -> LabelOffer | None:
    """The label of the order's current fill (`latest_fill`), when it may be printed now
    (`printed`: it has been before); None when it may not (label_problem says why)."""
    if current is None or label_problem(current) is not None:
        return None
    dispensed = current.dispensed_at is not None
    return LabelOffer(current, reprint=printed or dispensed, dispensed=dispensed)


def dispensed_reprint_problem(record: CompoundingRecord) -> str | None:
    """Why a dispensed fill's label is not printed without a confirmation: it is a reprint,
    and a label easily stuck on the next fill's vial (issue 11); None for a fill still here."""
    if record.dispensed_at is None:
        return None
    return (
        f"Fill {record.fill_number} ({record.batch_number}) was dispensed on "
        f"{pharmacy_time(record.dispensed_at):%m/%d/%Y}: its label would be a reprint, with "
        "that fill's batch, dates and refills. Confirm the reprint on the order's page to print "
        "it; for the next fill, request the refill."
    )


def label_values(record: CompoundingRecord) -> dict[str, Any]:
    """Everything the label prints, as plain values (no live ORM objects in templates)."""
    order = record.order
    check = order.latest_check
    dose = check.dose if check else {}

    def dec(key: str) -> Decimal | None:
        value = dose.get(key)
        return Decimal(value) if value is not None else None

    strength = (
        f"{_plain(order.strength_mg)} mg"
        if order.strength_per is None
        else f"{_plain(order.strength_mg)} mg/{order.strength_per}"
    )
    form = DOSAGE_FORMS.get(order.dosage_form, order.dosage_form)
    if order.dosage_form in RELEASE_SHOWN_FOR:
        form += ", immediate release"
    # "Filled" is the day the patient receives it: the dispensing date of a fill that has
    # left (a reprint), else the day its label is printed for the hand-over. The pharmacy's
    # own date, not UTC's.
    filled = pharmacy_time(record.dispensed_at).date() if record.dispensed_at else pharmacy_today()
    profile = current_profile()

    return {
        "pharmacy": pharmacy_details(),
        "rx_number": order.rx_number,
        # The barcode names the fill, not only the prescription: scanned at the final check
        # and at pick-up, it must be this fill's (barcodes.py).
        "fill_code": fill_code(order.rx_number, record.fill_number),
        "date_filled": filled.strftime("%m/%d/%Y"),
        "patient": order.patient.full_name,
        "prescriber": ", ".join(
            p for p in (order.prescriber.name, order.prescriber.credential) if p
        ),
        "drug": f"Naltrexone HCl {strength}",
        "form": form,
        "directions": label_directions(
            Sig(
                dosage_form=order.dosage_form,
                mg_per_dose=dec("mg_per_dose"),
                strength_mg=order.strength_mg,
                ml_per_dose=dec("ml_per_dose"),
                times_per_day=order.times_per_day,
                time_of_day=order.time_of_day,
                text=order.sig_text,
                strength_per=order.strength_per,
            )
        ),
        # Each its own line, not fine print: a refrigerated preparation's storage, "Shake
        # well" for a suspension.
        # The critical block's last item, when prescribed (USP <17>, 16 CCR 1707.5).
        "purpose": order.purpose,
        # What the patient should see in the container, where the profile asks (Oregon).
        "description": record.mfr.physical_description if profile.physical_description else "",
        "auxiliary": tuple(
            warning
            for warning, applies in (
                (REFRIGERATE, record.mfr.bud_rule == BudRule.AQUEOUS_UNPRESERVED.value),
                (SHAKE_WELL, needs_shaking(record.mfr)),
            )
            if applies
        ),
        # Counted as the fill was made (the worksheet's unit): capsules, mL, or g for a cream
        # made by weight (mg/g).
        "quantity": f"{_plain(order.quantity)} {record.unit_name}",
        # A titration is not refilled (dispensing/refills.py): its label promises none.
        "refills": 0 if schedule_of(order) else max(order.refills - (record.fill_number - 1), 0),
        "discard_after": record.beyond_use_date.strftime("%m/%d/%Y"),
        "storage": record.storage,
        "batch": record.batch_number,
        "compounded": COMPOUNDED_STATEMENT,
        "warnings": WARNINGS,
        # For a scheduled drug only (naltrexone is not), or where the profile asks for it.
        "caution": FEDERAL_CAUTION if profile.federal_caution else "",
    }


@dataclass(frozen=True, slots=True)
class PatientSheet:
    """What the patient information sheet prints about the order, as plain values."""

    patient: str
    rx_number: str
    capsules: bool  # the sheet says how capsules are made (immediate release, no CaCO3)


def patient_sheet_values(order: Order) -> PatientSheet:
    return PatientSheet(
        patient=order.patient.full_name,
        rx_number=order.rx_number,
        capsules=order.dosage_form == DosageForm.CAPSULE,
    )


def needs_shaking(mfr: MasterFormulation) -> bool:
    """A suspension, to be labelled "Shake well". Oral liquids and drops made from crushed
    50 mg tablets are suspensions (the tablets' binders and fillers do not dissolve); so is
    any formula whose method says to label it "Shake well"."""
    # An explicit flag on the formula wins when the compounding models have one (asked for:
    # MasterFormulation.is_suspension, None when not stated).
    stated = getattr(mfr, "is_suspension", None)
    if stated is not None:
        return bool(stated)
    if mfr.dosage_form in LIQUID_FORMS and mfr.active_ingredient.kind == IngredientKind.TABLET:
        return True
    return SHAKE_WELL_IN_METHOD.search(mfr.method or "") is not None


def record_print(
    record: CompoundingRecord,
    stock: LabelStock,
    user: User,
    batch: bool = False,
    today: dt.date | None = None,
    reprint: Reprint | None = None,
) -> LabelPrint:
    """Record that the fill's label was printed on `today` (the pharmacy's date), under the
    order's row lock: the fill must still be one that may have a label (signed off, of an
    order that may be labelled, matching the order as it now stands, in date). A dispensed
    fill's label is a reprint, printed only with its confirmation (`reprint`)."""
    lock_order(record.order)
    db.session.refresh(record)
    problem = label_problem(record, today)
    if problem:
        raise WorkflowError(problem)
    unconfirmed = dispensed_reprint_problem(record)
    if unconfirmed and not (reprint and reprint.confirmed):
        raise ReprintUnconfirmed(unconfirmed)
    earlier = (
        db.session.scalar(
            select(func.count()).select_from(LabelPrint).where(LabelPrint.record_id == record.id)
        )
        or 0
    )
    printed = LabelPrint(
        record=record,
        stock=stock,
        printed_by=user,
        reprint=earlier > 0 or unconfirmed is not None,
        batch=batch,
    )
    db.session.add(printed)
    detail = f"{record.batch_number} on {stock.name}"
    if unconfirmed:
        detail += (
            f"; fill {record.fill_number}, dispensed "
            f"{pharmacy_time(record.dispensed_at or utcnow()):%m/%d/%Y}: reprint confirmed"
        )
    if reprint and reprint.reason.strip():
        detail += f"; reason: {reprint.reason.strip()}"
    record_event(
        record.order,
        user,
        "label reprinted" if printed.reprint else "label printed",
        detail,
    )
    return printed


def ready_to_label() -> list[CompoundingRecord]:
    """Fills waiting for their first label, oldest order first (the queue's order for work
    still to do): signed off, not dispensed, never printed, of an order verified or
    compounded. A reprint is a deliberate choice, made for the order."""
    return list(
        db.session.scalars(
            select(CompoundingRecord)
            .join(CompoundingRecord.order)
            .where(*_waiting_for_a_label())
            .order_by(Order.created_at, Order.id)
        )
    )


def held_back(
    records: list[CompoundingRecord], today: dt.date | None = None
) -> tuple[list[CompoundingRecord], list[str]]:
    """These fills split into those that may be labelled on `today` and, for the others
    (expired, a supply its BUD cuts short), the order's Rx number and why not."""
    today = today or pharmacy_today()
    ready, held = [], []
    for record in records:
        problem = expiry_problem(record, today)
        if problem:
            held.append(f"{record.order.rx_number}: {problem}")
        else:
            ready.append(record)
    return ready, held


def claim_ready(records: list[CompoundingRecord]) -> list[CompoundingRecord]:
    """Of these fills, those still waiting for their first label once their orders are
    locked (in id order, so two batches locking the same orders never deadlock): a batch
    pressed twice, or by two people at once, prints each label once."""
    for order_id in sorted({r.order_id for r in records}):
        lock_order(db.session.get_one(Order, order_id))
    still = set(
        db.session.scalars(
            select(CompoundingRecord.id).where(
                CompoundingRecord.id.in_([r.id for r in records]), *_waiting_for_a_label()
            )
        )
    )
    return [r for r in records if r.id in still]


def _waiting_for_a_label() -> tuple[Any, ...]:
    return (
        CompoundingRecord.status == RecordStatus.SIGNED_OFF,
        CompoundingRecord.dispensed_at.is_(None),
        CompoundingRecord.order.has(Order.status.in_(DISPENSABLE_ORDERS)),
        ~exists().where(LabelPrint.record_id == CompoundingRecord.id),
    )


@dataclass(frozen=True, slots=True)
class Reprint:
    """A reprint asked for: confirmed (a checkbox on the page, `reprint=confirm` in the API)
    and why, when given (a label torn, smudged, lost)."""

    confirmed: bool
    reason: str = ""


class ReprintUnconfirmed(WorkflowError):
    """A dispensed fill's label asked for without the reprint's confirmation."""


class UnknownStock(WorkflowError):
    """A label stock asked for that is not set up (a request to correct, not a state)."""


def chosen_stock(typed: str | None) -> LabelStock:
    """The label stock a form or query names by id, the default one when it names none; an
    id that is not plain digits or not set up is refused, never replaced by the default."""
    from .forms import strict_id

    if not (typed or "").strip():
        return default_stock()
    chosen = strict_id(typed)
    stock = db.session.get(LabelStock, chosen) if chosen else None
    if stock is None:
        raise UnknownStock(
            f'That label stock is not set up ("{(typed or "").strip()[:40]}"): choose one '
            "from the list."
        )
    return stock


def default_stock() -> LabelStock:
    stock = db.session.scalars(
        select(LabelStock).order_by(LabelStock.is_default.desc(), LabelStock.id).limit(1)
    ).first()
    if stock is None:
        raise WorkflowError("No label stock is set up: an admin adds one under Label stocks.")
    return stock


def _plain(value: Any) -> str:
    return format(Decimal(value).normalize(), "f")


def prints_of(records: Iterable[CompoundingRecord]) -> dict[int, list[LabelPrint]]:
    """Every label printed for each of these fills, first print first, by fill id."""
    prints: dict[int, list[LabelPrint]] = {}
    for printed in db.session.scalars(
        select(LabelPrint)
        .where(LabelPrint.record_id.in_([r.id for r in records]))
        .order_by(LabelPrint.id)
    ):
        prints.setdefault(printed.record_id, []).append(printed)
    return prints


def stocks_by_name() -> list[LabelStock]:
    """The label stocks to print on, by name."""
    return list(db.session.scalars(select(LabelStock).order_by(LabelStock.name)))
