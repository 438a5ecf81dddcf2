"""Refills on request: a refill is made only when someone asks for it (the patient at the
counter or on the phone, a system through the API, or the auto-refill schedule the patient
opted into). The request records who asked, how and when; the refill-too-soon rule judges it
when it is made and again when compounding starts.

Each change takes the order's row lock first and checks the order's state under it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select

from ..accounts.models import Permission, User
from ..compounding.models import CompoundingRecord, RecordStatus
from ..compounding.refill_timing import RefillTooSoon, refill_too_soon_on, supply_runs_out
from ..compounding.services import fills_made
from ..compounding.signals import early_refill_accepted, fill_starting
from ..extensions import db
from ..orders.history import lock_order, record_event
from ..orders.models import Order, OrderStatus
from ..orders.signals import order_rejected
from ..orders.titration import schedule_of
from ..orders.validity import prescription_expired
from ..timeutil import iso_utc, pharmacy_time, pharmacy_today, utcnow
from ..workflow import MIN_REASON, WorkflowError, require_pharmacist, require_reason, visible_text
from .models import AutoRefill, RefillChannel, RefillRequest, RequestState

# What a request through the API may say it came by: the auto-refill schedule is the app's own.
API_CHANNELS = (RefillChannel.API.value, RefillChannel.PHONE.value, RefillChannel.COUNTER.value)
REQUESTED_BY_LIMIT = 200
NOTE_LIMIT = 500
# Orders whose patient may opt into auto-refill: verified, with refills still to come.
ENROLLABLE = frozenset({OrderStatus.VERIFIED, OrderStatus.COMPOUNDED, OrderStatus.REFILLABLE})


def refills_left(order: Order) -> int:
    """Refills not yet begun: the first fill is the prescription itself, not a refill."""
    return max(order.refills - max(fills_made(order) - 1, 0), 0)


def refills_left_of(orders: list[Order]) -> dict[int, int]:
    """refills_left for many orders in one query (the queue's column)."""
    ids = [o.id for o in orders]
    made: dict[int, int] = (
        dict(
            db.session.execute(  # type: ignore[arg-type]
                select(CompoundingRecord.order_id, func.count())
                .where(
                    CompoundingRecord.order_id.in_(ids),
                    CompoundingRecord.status != RecordStatus.DISCARDED,
                )
                .group_by(CompoundingRecord.order_id)
            ).all()
        )
        if ids
        else {}
    )
    return {o.id: max(o.refills - max(made.get(o.id, 0) - 1, 0), 0) for o in orders}


def _pending() -> object:
    """A request still waiting for its fill: open, or started on a fill since discarded (the
    patient still asked; the refill is made again under the same request). A fill made and
    not collected answered its request: the patient asks again (will_call.py)."""
    return or_(
        RefillRequest.state == RequestState.OPEN,
        (RefillRequest.state == RequestState.STARTED)
        & RefillRequest.record.has(
            (CompoundingRecord.status == RecordStatus.DISCARDED)
            & CompoundingRecord.uncollected.is_(None)
        ),
    )


def pending_request(order: Order) -> RefillRequest | None:
    return db.session.scalars(
        select(RefillRequest)
        .where(RefillRequest.order_id == order.id, _pending())  # type: ignore[arg-type]
        .order_by(RefillRequest.id.desc())
        .limit(1)
    ).first()


def pending_requests() -> list[RefillRequest]:
    """Every request waiting for its fill, the longest waiting first."""
    return list(
        db.session.scalars(
            select(RefillRequest)
            .where(_pending())  # type: ignore[arg-type]
            .order_by(RefillRequest.requested_at, RefillRequest.id)
        )
    )


def requests_of(order: Order) -> list[RefillRequest]:
    return list(
        db.session.scalars(
            select(RefillRequest)
            .where(RefillRequest.order_id == order.id)
            .order_by(RefillRequest.id)
        )
    )


def runs_out_on(order: Order) -> dt.date | None:
    """The pharmacy's date the last dispensed fill's days supply runs out."""
    return supply_runs_out(order)


def titration_refill_problem(order: Order) -> str | None:
    """Why a refill of this order is not made: its directions are a titration, so a refill
    would start the patient at the first step again, weeks after reaching the last (and its
    quantity was counted for the steps). The checker warns of it at entry
    (supply.titration_refills). None for any other order, and for its first fill."""
    if fills_made(order) == 0 or not schedule_of(order):
        return None
    return (
        "This prescription is a titration: a refill would start the patient at its first "
        "step again. Ask the prescriber for the maintenance dose as a new prescription "
        "(the renewal request below)."
    )


def _not_requestable(order: Order) -> str | None:
    """Why no refill can be requested for the order as it stands; None when one can."""
    status = OrderStatus(order.status)
    if status is OrderStatus.REFILLABLE:
        # An expired prescription is renewed, not refilled ("renewal needed"); so is a
        # titration, whose refill would start it again.
        return prescription_expired(order, pharmacy_today()) or titration_refill_problem(order)
    pending = pending_request(order)
    if pending is not None:
        return (
            f"A refill was already requested by {pending.requested_by} "
            f"({pending.channel_label}) on {pharmacy_time(pending.requested_at):%m/%d/%Y}: "
            "nothing was recorded again."
        )
    if status is OrderStatus.DISPENSED:
        return (
            "No refills are left on this prescription: send the prescriber a renewal request "
            "from the order's page."
        )
    if status is OrderStatus.REJECTED:
        return "The order is rejected: no refill follows it."
    if status in (OrderStatus.DRAFT, OrderStatus.CHECKED):
        return "The order is not verified yet: a refill is requested after its first fill."
    if fills_made(order) == 0:
        return "The first fill is not made yet: a refill is requested once it is dispensed."
    return (
        "A fill of this order is being made or waits to be dispensed: request the next "
        "refill once it has left the pharmacy."
    )


def can_request(order: Order) -> bool:
    return _not_requestable(order) is None


def request_refill(
    order: Order,
    requested_by: str,
    channel: RefillChannel | str,
    user: User | None,
    note: str = "",
    early_reason: str = "",
    today: dt.date | None = None,
) -> RefillRequest:
    """Record a request for the order's next fill; the order is then verified (to compound).
    A request too soon is kept with the first day it is due, unless a pharmacist accepts it
    early with `early_reason`."""
    today = today or pharmacy_today()
    lock_order(order)
    problem = _not_requestable(order)
    if problem:
        raise WorkflowError(problem)
    who = " ".join(visible_text(requested_by, "requested_by").split())
    visible_text(note, "note")
    if len(who) < 2:
        raise WorkflowError(
            "Say who asked for the refill: the patient, or their name and relation "
            "(“Maria Lopez, daughter”).",
            field="requested_by",
        )
    if len(who) > REQUESTED_BY_LIMIT:
        raise WorkflowError(f"At most {REQUESTED_BY_LIMIT} characters.", field="requested_by")
    if channel not in {c.value for c in RefillChannel}:
        raise WorkflowError(
            "Say how the request came: counter, phone, api or auto.", field="channel"
        )
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise WorkflowError(f"At most {NOTE_LIMIT} characters.", field="note")
    fill_number = fills_made(order) + 1
    request = RefillRequest(
        order=order,
        requested_at=utcnow(),
        channel=RefillChannel(channel),
        requested_by=who,
        entered_by=user,
        note=note,
        state=RequestState.OPEN,
    )
    # Fill 1 is asked for again when the first fill was not collected (will_call.py).
    asked = f"Refill {fill_number - 1} of {order.refills}" if fill_number > 1 else "First fill"
    detail = f"{asked} requested by {who}, {RefillChannel(channel).label}"
    too_soon = refill_too_soon_on(order, fill_number, today)
    early_reason = visible_text(early_reason, "early_reason")
    if too_soon is not None and early_reason:
        if user is None:
            raise WorkflowError("Only a pharmacist can accept a refill too soon.")
        require_pharmacist(
            user,
            "Only a pharmacist can accept a refill too soon: record the request without a "
            f"reason and it waits until {too_soon.due:%m/%d/%Y}.",
        )
        reason = require_reason(early_reason, "Give the reason for the early refill.")
        request.early_reason, request.early_by = reason, user
        detail += f"; early refill (due {too_soon.due:%m/%d/%Y}) accepted: {reason}"
    elif too_soon is not None:
        request.due_on = too_soon.due
        detail += (
            f"; too soon: due {too_soon.due:%m/%d/%Y}, when {too_soon.percent.normalize():f}% "
            "of the previous fill's supply is used"
        )
    if note:
        detail += f"; note: {note}"
    db.session.add(request)
    order.status = OrderStatus.VERIFIED
    record_event(order, user, "refill requested", detail)
    db.session.flush()
    return request


def cancel_request(request: RefillRequest, reason: str, user: User) -> None:
    """Withdraw a request not yet being made (the patient changed their mind, a duplicate):
    the order waits for a request again."""
    order = request.order
    lock_order(order)
    db.session.refresh(request)
    if request.state != RequestState.OPEN:
        raise WorkflowError(
            f"This request is {request.state}: only an open request can be cancelled."
        )
    reason = require_reason(reason, "Give the reason for cancelling the request.")
    request.state = RequestState.CANCELLED
    request.cancelled_reason, request.cancelled_by, request.cancelled_at = reason, user, utcnow()
    # A request follows a fill dispensed, or a fill not collected (even a first one, which
    # leaves no fill made): either way the order waits for the next request again.
    if order.status == OrderStatus.VERIFIED:
        order.status = OrderStatus.REFILLABLE
    record_event(
        order, user, "refill request cancelled", f"Request by {request.requested_by}: {reason}"
    )


def status_after_dispensing(order: Order, left: int) -> OrderStatus:
    """A dispensed fill with refills left waits for a request (unless one is already open);
    with none left the prescription is closed."""
    if left <= 0:
        return OrderStatus.DISPENSED
    if pending_request(order) is not None:
        return OrderStatus.VERIFIED
    return OrderStatus.REFILLABLE


def early_acceptance(record: CompoundingRecord) -> RefillRequest | None:
    """The fill's request, when a pharmacist accepted it as an early refill: that decision
    holds at dispensing too."""
    return db.session.scalars(
        select(RefillRequest).where(
            RefillRequest.record_id == record.id, RefillRequest.early_reason.is_not(None)
        )
    ).first()


@fill_starting.connect
def refill_for_fill(
    record: CompoundingRecord, *, user: User, today: dt.date, early_reason: str
) -> None:
    """A refill is started only on a request, and is linked to it; too soon, it needs a
    pharmacist's reason (given now, or with the request). A first fill needs none, but is
    linked to the request made after an earlier first fill was not collected."""
    order = record.order
    request = pending_request(order)
    if record.fill_number == 1:
        if request is not None:
            request.state, request.record = RequestState.STARTED, record
        return
    if request is None:
        raise WorkflowError(
            "No refill has been requested for this order: record the request (who asked, "
            "and how) on the order's page first."
        )
    too_soon = refill_too_soon_on(order, record.fill_number, today)
    if too_soon is not None and request.early_reason is None:
        early_reason = visible_text(early_reason, "early_reason")
        acknowledged = user.can(Permission.VERIFY) and len(early_reason) >= MIN_REASON
        if not acknowledged:
            raise RefillTooSoon(too_soon)
        request.early_reason, request.early_by = early_reason.strip(), user
        record_event(
            order,
            user,
            "early refill accepted",
            f"Fill {record.fill_number} started before {too_soon.due:%m/%d/%Y}: "
            f"{early_reason.strip()}",
        )
    request.state, request.record = RequestState.STARTED, record


def withdraw_requests_after_reversal(order: Order, user: User, reason: str) -> str:
    """A dispensing reversed: an open request for the next fill, made after it, waits for a
    fill that has not left. It is cancelled (the patient asks again once they have the fill);
    what was withdrawn, for the history ("" for nothing)."""
    withdrawn = []
    for request in db.session.scalars(
        select(RefillRequest).where(
            RefillRequest.order_id == order.id, RefillRequest.state == RequestState.OPEN
        )
    ):
        request.state = RequestState.CANCELLED
        request.cancelled_reason = f"dispensing reversed: {reason.strip()}"[:300]
        request.cancelled_by, request.cancelled_at = user, utcnow()
        withdrawn.append(f"{pharmacy_time(request.requested_at):%m/%d/%Y}")
    if not withdrawn:
        return ""
    return "refill request of " + ", ".join(withdrawn) + " withdrawn"


@early_refill_accepted.connect
def accepted_with_its_request(order: Order) -> bool:
    """Whether the refill waiting to be made was accepted early with its request."""
    request = pending_request(order)
    return request is not None and request.early_reason is not None


@order_rejected.connect
def cancel_for_rejected_order(order: Order, *, reason: str, user: User) -> None:
    """A rejected order's open requests are cancelled with it (sent under the order's lock)."""
    for request in db.session.scalars(
        select(RefillRequest).where(
            RefillRequest.order_id == order.id, RefillRequest.state == RequestState.OPEN
        )
    ):
        request.state = RequestState.CANCELLED
        request.cancelled_reason = f"order rejected: {reason}"
        request.cancelled_by, request.cancelled_at = user, utcnow()


def auto_refill_of(order: Order) -> AutoRefill | None:
    return db.session.scalars(select(AutoRefill).where(AutoRefill.order_id == order.id)).first()


def set_auto_refill(order: Order, enabled: bool, user: User) -> bool:
    """The patient opts into auto-refill for this order, or out of it, as staff record it;
    whether anything changed."""
    lock_order(order)
    current = auto_refill_of(order)
    if enabled == (current is not None):
        return False
    if enabled:
        if schedule_of(order):
            raise WorkflowError(
                "This prescription is a titration: its refills are not made, so there is "
                "nothing to refill automatically. Ask the prescriber for the maintenance dose."
            )
        if order.status not in ENROLLABLE or order.refills == 0:
            raise WorkflowError(
                "Auto-refill is for a verified prescription with refills: this order is "
                f"{OrderStatus(order.status).label} with {order.refills} refill(s)."
            )
        db.session.add(AutoRefill(order=order, enrolled_by=user))
        record_event(order, user, "auto-refill on", "The patient opted into auto-refill")
    else:
        db.session.delete(current)
        record_event(order, user, "auto-refill off", "The patient opted out of auto-refill")
    return True


def request_to_dict(request: RefillRequest) -> dict[str, object]:
    """The request as the API answers it."""
    return {
        "id": request.id,
        "order_id": request.order_id,
        "rx_number": request.order.rx_number,
        "order_status": request.order.status,
        "requested_at": iso_utc(request.requested_at),
        "channel": request.channel,
        "requested_by": request.requested_by,
        "entered_by": request.entered_by.full_name if request.entered_by else None,
        "note": request.note,
        "state": request.state,
        "due_on": request.due_on.isoformat() if request.due_on else None,
        "early_reason": request.early_reason,
        "refills_left": refills_left(request.order),
    }
