"""Order services: store an order with its check, number it, find it again.

Every function works in the caller's session; the caller commits once, so an order, its
patient, prescriber and check land together or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from flask import abort, current_app
from sqlalchemy import bindparam, select, update

from ..checks import (
    RULESET_VERSION,
    CheckPolicy,
    CheckResult,
    OpenOrder,
    OrderDocument,
    PrescriberOnFile,
    check_order,
)
from ..checks.rules.on_file import matches
from ..extensions import db
from ..timeutil import iso_utc, pharmacy_today
from ..workflow import WorkflowError
from .history import lock_order, record_event
from .models import Order, OrderCheck, OrderStatus, RxCounter
from .patients import Patient
from .prescribers import Prescriber, licence_key, state_key
from .signals import order_changing

if TYPE_CHECKING:
    from ..accounts.models import User

RX_PREFIX = "RX-"


def current_policy() -> CheckPolicy:
    """The checker thresholds of the running app (built once at start-up)."""
    policy: CheckPolicy = current_app.extensions["check_policy"]
    return policy


def create_order(
    document: OrderDocument,
    *,
    policy: CheckPolicy,
    entered_by: User | None,
    status: OrderStatus = OrderStatus.CHECKED,
    created_at: dt.datetime | None = None,
) -> Order:
    """Check the document and add the order, its patient, prescriber and check to the
    session. The Rx number is taken first, so the counter row's lock orders concurrent
    saves (and on SQLite the write lock is taken before anything is read)."""
    rx_number = allocate_rx_number()
    today = pharmacy_today()
    result = check_document(document, policy, today=today)
    order = Order(
        rx_number=rx_number,
        status=status,
        patient=find_or_create_patient(document),
        prescriber=find_or_create_prescriber(document),
        document=document.model_dump(mode="json"),
        entered_by=entered_by,
    )
    if created_at is not None:
        order.created_at = order.updated_at = created_at
    _apply(order, document, result, today)
    db.session.add(order)
    _record_check(order, result, created_at)
    record_event(
        order,
        entered_by,
        "created",
        f"{'Saved as draft' if status is OrderStatus.DRAFT else 'Entered'}; "
        f"check: {result.verdict}",
        at=created_at,
    )
    db.session.flush()
    return order


def update_order(
    order: Order,
    document: OrderDocument,
    *,
    policy: CheckPolicy,
    user: User,
    status: OrderStatus = OrderStatus.CHECKED,
) -> CheckResult:
    """Replace the prescription with an edited one and check it again. An edit after
    verification sends the order back for verification. The order's row lock is taken
    first and the state checked under it: a fill started by someone else at the same moment
    either is seen here (and the edit refused) or sees the edited order (and is refused)."""
    lock_order(order)
    ensure_editable(order)

    today = pharmacy_today()
    result = check_document(document, policy, order.id, today=today)
    order.patient = find_or_create_patient(document)
    order.prescriber = find_or_create_prescriber(document)
    order.document = document.model_dump(mode="json")
    _apply(order, document, result, today)
    _record_check(order, result)
    was_verified = order.reverified_on_change
    order.status = status
    order.verified_by, order.verified_at = None, None
    record_event(order, user, "edited", f"Changed and checked again: {result.verdict}")
    if was_verified:
        record_event(order, user, "returned", "Edited after verification: verify again")
    return result


def ensure_editable(order: Order) -> None:
    """Raise WorkflowError when the prescription may not change: rejected, compounded or
    dispensed, or (said by the features that connect to `order_changing`) a fill of it made
    or being made: the fill and its label must match the prescription they were made for."""
    if order.status == OrderStatus.REJECTED:
        raise WorkflowError("A rejected order cannot be edited; enter a new order.")
    if order.status in (OrderStatus.COMPOUNDED, OrderStatus.DISPENSED):
        raise WorkflowError(f"This order is {order.status}: a change needs a new prescription.")
    order_changing.send(order)


def check_document(
    document: OrderDocument,
    policy: CheckPolicy | None = None,
    order_id: int | None = None,
    *,
    today: dt.date,
) -> CheckResult:
    """The checker over a document with what it needs from the records: the patient's other
    open orders (but not `order_id`, the order being edited) and the prescribers kept for its
    licence number, on `today` (the pharmacy's date: `timeutil.pharmacy_today()`). Every
    interface checks an order through here."""
    return check_order(
        document,
        policy or current_policy(),
        open_orders_for(document, order_id),
        prescribers_on_file(document, order_id),
        today=today,
    )


def prescribers_on_file(
    document: OrderDocument, order_id: int | None = None
) -> tuple[PrescriberOnFile, ...]:
    """The records kept for the prescription's licence number and state that stand for
    someone: a record counts while it has an order that is not rejected (other than
    `order_id`, the order being edited). A typo that was rejected, or corrected by an edit,
    leaves a record behind that no longer counts against the prescriber on file."""
    license_number, state = _licence_key(document)
    if not license_number:
        return ()
    rows = db.session.execute(
        _STANDING_PRESCRIBERS,
        {"licence": license_number, "state": state, "exclude": order_id or 0},
    )
    return tuple(PrescriberOnFile(name=row.name, credential=row.credential) for row in rows)


# Built once, and only the two columns the rule compares: every check of a typed order runs it.
_STANDING_PRESCRIBERS = (
    select(Prescriber.name, Prescriber.credential)
    .where(
        Prescriber.license_number == bindparam("licence"),
        Prescriber.state == bindparam("state"),
        select(Order.id)
        .where(
            Order.prescriber_id == Prescriber.id,
            Order.status != OrderStatus.REJECTED,
            Order.id != bindparam("exclude"),
        )
        .exists(),
    )
    .order_by(Prescriber.id)
    .limit(20)
)


def _prescribers_with_licence(document: OrderDocument) -> list[Prescriber]:
    license_number, state = _licence_key(document)
    if not license_number:
        return []
    return list(
        db.session.scalars(
            select(Prescriber)
            .where(Prescriber.license_number == license_number, Prescriber.state == state)
            .order_by(Prescriber.id)
            .limit(20)
        )
    )


def _licence_key(document: OrderDocument) -> tuple[str, str]:
    data = document.prescriber
    return licence_key(data.license_number), state_key(data.state)


# Orders still in the pharmacy's hands: a second one for the same patient may be a duplicate.
OPEN_STATUSES = (
    OrderStatus.DRAFT,
    OrderStatus.CHECKED,
    OrderStatus.VERIFIED,
    OrderStatus.COMPOUNDED,
    OrderStatus.REFILLABLE,  # refills still to come
)


def open_orders_for(
    document: OrderDocument, exclude_id: int | None = None
) -> tuple[OpenOrder, ...]:
    """The patient's other open orders (same name key and date of birth), for the checker's
    duplicate rule; none for a patient not yet on file."""
    data = document.patient
    rows = db.session.execute(
        _OPEN_ORDERS,
        {
            "key": Patient.key_for(data.first_name, data.last_name),
            "born": data.date_of_birth,
            "exclude": exclude_id or 0,
        },
    )
    return tuple(
        OpenOrder(
            rx_number=row.rx_number,
            status=row.status.label,
            dosage_form=row.dosage_form,
            strength=row.strength_text,
            received=row.date_received,
        )
        for row in rows
    )


# Built once, and only the columns the rule names: every check of a typed order runs it.
_OPEN_ORDERS = (
    select(
        Order.rx_number, Order.status, Order.dosage_form, Order.strength_text, Order.date_received
    )
    .join(Order.patient)
    .where(
        Patient.name_key == bindparam("key"),
        Patient.date_of_birth == bindparam("born"),
        Order.status.in_(OPEN_STATUSES),
        Order.id != bindparam("exclude"),
    )
    .order_by(Order.id)
    .limit(5)
)


def allocate_rx_number() -> str:
    value = db.session.execute(
        update(RxCounter)
        .where(RxCounter.id == 1)
        .values(value=RxCounter.value + 1)
        .returning(RxCounter.value)
    ).scalar_one()
    return f"{RX_PREFIX}{value}"


def find_or_create_patient(document: OrderDocument) -> Patient:
    """The patient with the same name and date of birth (any case), updated with this
    order's medicines, allergies and conditions; or a new one."""
    data = document.patient
    key = Patient.key_for(data.first_name, data.last_name)
    patient = db.session.scalars(
        select(Patient)
        .where(Patient.name_key == key, Patient.date_of_birth == data.date_of_birth)
        .order_by(Patient.id)
        .limit(1)
    ).first()
    if patient is None:
        patient = Patient(
            first_name=data.first_name,
            last_name=data.last_name,
            name_key=key,
            date_of_birth=data.date_of_birth,
        )
        db.session.add(patient)
    patient.family_name_first = data.family_name_first
    patient.medications = list(data.medications)
    patient.allergies = list(data.allergies)
    patient.conditions = list(data.conditions)
    return patient


def find_or_create_prescriber(document: OrderDocument) -> Prescriber:
    """By licence number and state when a licence is given, else by name and credential. A
    record of the licence is reused only when it is the same person with the same credential
    (the checker has flagged any other): an order is never attached to another person's
    record, so the order page and the label name the prescriber whose credential was
    checked."""
    data = document.prescriber
    license_number, state = _licence_key(document)
    if license_number:
        prescriber = next(
            (
                p
                for p in _prescribers_with_licence(document)
                if matches(data.name, data.credential, PrescriberOnFile(p.name, p.credential))
            ),
            None,
        )
    else:
        prescriber = db.session.scalars(
            select(Prescriber)
            .where(
                Prescriber.name == data.name,
                Prescriber.credential == data.credential,
                Prescriber.license_number == "",
            )
            .order_by(Prescriber.id)
            .limit(1)
        ).first()
    if prescriber is None:
        prescriber = Prescriber(
            name=data.name,
            credential=data.credential,
            license_number=license_number,
            state=state,
            npi=data.npi,
        )
        db.session.add(prescriber)
    # The latest prescription's numbers are the ones to call or fax; one that gives none
    # leaves the record's as they are.
    prescriber.phone = data.phone or prescriber.phone or ""
    prescriber.fax = data.fax or prescriber.fax or ""
    return prescriber


def get_order_or_404(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None:
        abort(404, description=f"No order with id {order_id}.")
    return order


def order_to_dict(order: Order) -> dict[str, Any]:
    """The API's view of an order: numbers, status, latest check and the document."""
    check = order.latest_check
    return {
        "id": order.id,
        "rx_number": order.rx_number,
        "status": order.status,
        "verdict": order.verdict,
        "findings": check.findings if check else [],
        "dose": check.dose if check else {},
        "check_id": check.id if check else None,
        "checked_at": iso_utc(check.checked_at) if check else None,
        "ruleset_version": check.ruleset_version if check else None,
        "entered_by": order.entered_by.username if order.entered_by else None,
        "verified_by": order.verified_by.username if order.verified_by else None,
        "verified_at": iso_utc(order.verified_at),
        "patient_id": order.patient_id,
        "prescriber_id": order.prescriber_id,
        "created_at": iso_utc(order.created_at),
        "document": order.document,
    }


def _apply(order: Order, document: OrderDocument, result: CheckResult, today: dt.date) -> None:
    preparation, sig = document.preparation, document.sig
    strength = preparation.strength_amount
    order.verdict = result.verdict
    order.dosage_form = preparation.dosage_form.value
    order.release_as_written = preparation.release
    order.strength_text = preparation.strength
    order.strength_mg = strength.value
    order.strength_per = strength.per
    order.excipients = list(preparation.excipients)
    order.sig_dose_text = sig.dose
    order.times_per_day = sig.times_per_day
    order.time_of_day = sig.time_of_day
    order.sig_text = sig.text
    order.purpose = sig.purpose
    order.mg_per_dose = result.dose.mg_per_dose
    order.mg_per_day = result.dose.mg_per_day
    order.quantity = document.quantity
    order.days_supply = document.days_supply
    order.refills = document.refills
    order.date_written = document.date_written
    order.date_received = document.date_received or today


def _record_check(order: Order, result: CheckResult, at: dt.datetime | None = None) -> None:
    as_dict = result.to_dict()
    check = OrderCheck(
        ruleset_version=RULESET_VERSION,
        verdict=result.verdict,
        findings=as_dict["findings"],
        dose=as_dict["dose"],
    )
    if at is not None:
        check.checked_at = at
    order.checks.append(check)
