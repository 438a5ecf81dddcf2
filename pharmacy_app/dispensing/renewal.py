"""A renewal request to the prescriber, for an order with no refills left: a printable (or
faxable) PDF now; electronic renewal (NCPDP RxRenewalRequest) comes with e-prescribing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..accounts.models import User
from ..compounding.refill_timing import last_dispensed
from ..labels.directions import TIMES
from ..orders.history import lock_order, record_event
from ..orders.models import Order, OrderStatus
from ..orders.validity import prescription_expired
from ..pdf import plain_values, render_pdf
from ..timeutil import pharmacy_time, pharmacy_today
from ..workflow import WorkflowError
from .refills import fills_made, refills_left, titration_refill_problem

# Orders whose prescriber is asked for a renewal: verified once and not stopped.
RENEWABLE = frozenset(
    {
        OrderStatus.VERIFIED,
        OrderStatus.COMPOUNDED,
        OrderStatus.REFILLABLE,
        OrderStatus.DISPENSED,
    }
)


@dataclass(frozen=True, slots=True)
class RenewalPrint:
    """What the renewal request prints: the prescription as filled, for the prescriber."""

    rx_number: str
    prescriber: str
    credential: str
    npi: str
    licence: str
    phone: str
    fax: str
    patient: str
    date_of_birth: dt.date
    preparation: str
    sig: str
    quantity: Decimal
    unit: str
    days_supply: int
    refills: int
    refills_used: int
    date_written: dt.date | None
    last_filled: dt.date | None
    reason: str
    today: dt.date


def renewal_reason(order: Order) -> str | None:
    """Why the prescriber should be asked to renew the order; None when not (yet)."""
    if order.status not in RENEWABLE:
        return None
    expired = prescription_expired(order, pharmacy_today())
    if expired:
        return expired
    titration = titration_refill_problem(order)
    if titration:
        return (
            "A titration: its refills would start the schedule again. Please send the "
            "maintenance dose as a new prescription."
        )
    if refills_left(order) == 0 and fills_made(order) > 0:
        return "No refills are left on this prescription."
    return None


def _directions_from_fields(order: Order) -> str:
    times = {1: "once a day", 2: "twice a day"}.get(order.times_per_day, "")
    times = times or f"{order.times_per_day} times a day"
    when = f" {TIMES.get(order.time_of_day, order.time_of_day)}" if order.time_of_day else ""
    return f"{order.sig_dose_text}, {times}{when}"


def renewal_print(order: Order, reason: str, today: dt.date) -> RenewalPrint:
    last = last_dispensed(order)
    unit = "capsules" if order.dosage_form == "capsule" else (order.strength_per or "mL")
    return plain_values(
        RenewalPrint,
        order,
        prescriber=order.prescriber.name,
        credential=order.prescriber.credential,
        npi=order.prescriber.npi,
        phone=order.prescriber.phone,
        fax=order.prescriber.fax,
        licence=" ".join(p for p in (order.prescriber.license_number, order.prescriber.state) if p),
        patient=order.patient.full_name,
        date_of_birth=order.patient.date_of_birth,
        preparation=(
            f"Naltrexone {order.strength_text} {order.dosage_form.replace('_', ' ')}"
            + (f", {order.release_as_written}" if order.release_as_written else "")
        ),
        # As written, or from the fields when the prescriber wrote none ("1 capsule, once a
        # day, at bedtime"): the prescriber reads what they are asked to renew.
        sig=order.sig_text or _directions_from_fields(order),
        unit=unit,
        refills_used=max(fills_made(order) - 1, 0),
        last_filled=pharmacy_time(last.dispensed_at).date() if last and last.dispensed_at else None,
        reason=reason,
        today=today,
    )


def renewal_request_pdf(order: Order, user: User) -> bytes:
    """The renewal request's PDF, recorded in the order's history; refused when none is due."""
    lock_order(order)
    reason = renewal_reason(order)
    if reason is None:
        raise WorkflowError(
            "This prescription still has refills (or is not verified): no renewal is needed yet."
        )
    values = renewal_print(order, reason, pharmacy_today())
    record_event(
        order,
        user,
        "renewal requested",
        f"Renewal request to {values.prescriber} printed: {reason}",
    )
    return render_pdf("dispensing/renewal_pdf.html", renewal=values)
