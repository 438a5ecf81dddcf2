"""The order's page and the home page: views of the orders blueprint that show what the
features above orders made for an order (its fills, their labels and charges, the way to its
final check and dispensing). They live here, above every feature, so that orders imports
none of those (import-linter's layers in pyproject.toml); each feature answers for its own
tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import render_template

from .accounts.auth import acting_user
from .checks import DosageForm
from .checks import titration as titrations
from .checks.findings import plain
from .compounding.expiry import FillMark, count_to_discard, expired_fills_of, fill_marks
from .compounding.refill_timing import TooSoon, refill_too_soon_on
from .compounding.services import fills_at_work, fills_of
from .costs.services import charges_of, prices_due
from .dispensing.forms import AutoRefillForm, CancelRequestForm, RefillRequestForm
from .dispensing.next_step import OrderFacts, next_step
from .dispensing.refills import (
    ENROLLABLE,
    auto_refill_of,
    can_request,
    fills_made,
    pending_request,
    refills_left,
    requests_of,
    runs_out_on,
)
from .dispensing.renewal import renewal_reason
from .labels.services import label_offer, latest_fill, prints_of, stocks_by_name
from .orders.forms import OverrideForm, QueueFilterForm, RejectForm, VerifyForm
from .orders.models import Order, OrderStatus
from .orders.queue import page_of, status_counts
from .orders.routes import bp
from .orders.services import ensure_editable, get_order_or_404
from .orders.titration import schedule_of
from .orders.validity import renewal_needed, valid_until
from .orders.workflow import outstanding_warnings, override_for
from .timeutil import pharmacy_today
from .workflow import WorkflowError

RENEWAL_NEEDED = FillMark("renewal", "Renewal needed")


@bp.app_template_global("order_marks")
def order_marks(orders: list[Order]) -> dict[int, list[FillMark]]:
    """What a list of orders shows against each (by order id): "renewal needed" for an open
    order whose prescription has expired, and a fill still in the pharmacy past its BUD."""
    today = pharmacy_today()
    expired = expired_fills_of([o.id for o in orders], today)
    marks: dict[int, list[FillMark]] = {}
    for order in orders:
        found = []
        if renewal_needed(order, today):
            found.append(RENEWAL_NEEDED)
        if order.id in expired:
            found.append(FillMark("expired", f"Fill {expired[order.id].batch_number} expired"))
        if found:
            marks[order.id] = found
    return marks


@bp.get("/")
def home() -> str:
    being_made, awaiting, awaiting_total = fills_at_work()
    today = pharmacy_today()
    return render_template(
        "orders/home.html",
        counts=status_counts(),
        being_made=being_made,
        awaiting_signoff=awaiting,
        awaiting_total=awaiting_total,
        marks=fill_marks(awaiting, today),
        to_discard=count_to_discard(today),
        waiting=page_of(QueueFilterForm(formdata=None, status=OrderStatus.CHECKED), 1),
    )


@bp.get("/orders/<int:order_id>")
def detail(order_id: int) -> str:
    order = get_order_or_404(order_id)
    records = fills_of(order)
    check_id = order.latest_check.id if order.latest_check else ""
    today = pharmacy_today()
    marks = fill_marks(records, today)
    prints = prints_of(records)
    expired = renewal_needed(order, today)
    refills = _refills(order)
    current = latest_fill(order)
    step = next_step(
        order,
        OrderFacts(
            current=current,
            labelled=current is not None and current.id in prints,
            mark=marks.get(current.id) if current is not None else None,
            renewal=refills["renewal"],
            prescription_expired=expired,
            can_request=refills["can_request"],
            too_soon=_open_request_too_soon(order, today),
        ),
        acting_user(),
    )
    return render_template(
        "orders/detail.html",
        marks=marks,
        renewal_needed=expired,
        valid_until=valid_until(order),
        editable=_editable(order),
        records=records,
        current=current,
        next=step,
        label=label_offer(current, current is not None and current.id in prints),
        prints=prints,
        costs=charges_of(records),
        prices=prices_due(records, today),
        label_stocks=stocks_by_name(),
        order=order,
        schedule=titration_schedule(order),
        findings=_findings(order),
        outstanding=outstanding_warnings(order),
        verify_form=VerifyForm(check_id=check_id),
        reject_form=RejectForm(check_id=check_id),
        override_form=OverrideForm(),
        refills=refills,
    )


def _open_request_too_soon(order: Order, today: dt.date) -> TooSoon | None:
    """For a refill requested and not yet started: too soon to make today, and not accepted
    early by a pharmacist with the request (start_record would then refuse a technician)."""
    if order.status is not OrderStatus.VERIFIED:
        return None
    pending = pending_request(order)
    if pending is None or pending.early_reason is not None:
        return None
    return refill_too_soon_on(order, fills_made(order) + 1, today)


def _refills(order: Order) -> dict[str, Any]:
    """The order's refills panel: what is left, the request waiting, what may be done next."""
    requestable = can_request(order)
    auto = auto_refill_of(order)
    return {
        # Also for a prescription without refills whose first fill was returned uncollected
        # ("refills on file": made again when the patient asks).
        "shown": order.refills > 0
        or fills_made(order) > 0
        or order.status is OrderStatus.REFILLABLE,
        "left": refills_left(order),
        "runs_out": runs_out_on(order),
        "pending": pending_request(order),
        "requests": requests_of(order),
        "can_request": requestable,
        "too_soon": (
            refill_too_soon_on(order, fills_made(order) + 1, pharmacy_today())
            if requestable
            else None
        ),
        "auto": auto,
        # Not for a titration, which is not refilled (dispensing/refills.py).
        "enrollable": order.refills > 0
        and (order.status in ENROLLABLE or auto is not None)
        and not (auto is None and schedule_of(order)),
        "renewal": renewal_reason(order),
        "request_form": RefillRequestForm(formdata=None),
        "cancel_form": CancelRequestForm(formdata=None),
        "auto_form": AutoRefillForm(formdata=None),
    }


# The supply rule's findings on a quantity that is not what the directions need.
QUANTITY_FINDINGS = frozenset({"supply.quantity_short", "supply.quantity_excess"})


@dataclass(frozen=True, slots=True)
class ScheduleShown:
    """A titration as the order page shows it: each step (dose in units and mg, when, for how
    long) and what the schedule needs over the days supply."""

    steps: tuple[tuple[str, str, str], ...]
    needs: str | None  # "84 capsules over 42 days"; None when the steps outlast the supply
    quantity: str  # "84 capsules"
    differs: bool  # the checker warns that the quantity is not what the schedule needs


def titration_schedule(order: Order) -> ScheduleShown | None:
    """The order's titration schedule, counted as the checker counts it; None when its
    directions are not a readable titration."""
    form = DosageForm(order.dosage_form)
    steps = schedule_of(order)
    if not steps:
        return None
    when = titrations.time_of_day(order.time_of_day, order.sig_text)
    lengths = titrations.step_lengths(steps, order.days_supply)
    shown = tuple(
        (
            step.dose,
            titrations.timing(step, when),
            f"for {step.duration}"
            if step.duration
            else f"for the rest of the supply ({days} days)",
        )
        for step, days in zip(steps, lengths, strict=True)
    )
    needs = titrations.needs(steps, order.days_supply)
    unit = "capsules" if form is DosageForm.CAPSULE else (order.strength_per or "mL")
    return ScheduleShown(
        steps=shown,
        needs=f"{plain(needs.units, 2)} {needs.unit} over {needs.days} days" if needs else None,
        quantity=f"{plain(order.quantity, 2)} {unit}",
        differs=any(
            f["code"] in QUANTITY_FINDINGS
            for f in (order.latest_check.findings if order.latest_check else [])
        ),
    )


def _findings(order: Order) -> list[dict[str, Any]]:
    """The latest check's findings, each with the override that accepted it (or None)."""
    findings = order.latest_check.findings if order.latest_check else []
    return [{**f, "override": override_for(order, f)} for f in findings]


def _editable(order: Order) -> bool:
    try:
        ensure_editable(order)
    except WorkflowError:
        return False
    return True
