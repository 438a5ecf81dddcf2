"""The pharmacist's final check: the fill's label and its filled container are scanned and must
match the fill; the pharmacist reads the label text, the worksheet, the lots and any accepted
deviations on one page, then releases the fill with a signature. Nothing is dispensed before
it is released (`refuse_if_unreleased`, called by dispensing).

The container is identified by its batch number: the compounding worksheet prints a container
label with the batch number's barcode, stuck on the container when it is filled; the patient
label carries the fill code (Rx and fill number, `barcodes.py`). Scanning both proves that
this label goes on this container.

The release is an electronic signature in the sense of 21 CFR Part 11 (the recognised design,
shared/domain/ldn.md "Records and signatures"): two components, the signed-in user and the
password typed again (11.200); it shows the printed name, date and time and its meaning,
"released" (11.50), and is kept on the fill it signs (11.70) and in the order's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.services import check_own_password
from ..accounts.throttle import TooManyAttempts
from ..barcodes import clean_scan, fill_code, parse_fill_code, same_code
from ..checks.findings import plain
from ..compounding.expiry import expiry_problem
from ..compounding.formulas import substitution_note
from ..compounding.models import CompoundingRecord, RecordStatus, Substitution
from ..compounding.services import fill_mismatch
from ..extensions import db
from ..labels.models import LabelPrint
from ..labels.services import DISPENSABLE_ORDERS, label_values
from ..orders.history import lock_order, record_event
from ..orders.models import OrderStatus
from ..orders.validity import prescription_expired
from ..timeutil import pharmacy_time, pharmacy_today, utcnow
from ..workflow import WorkflowError, require_pharmacist

RELEASE_MEANING = "released"  # what the signature means (21 CFR 11.50(a)(3))
SCAN_SHOWN = 40  # a scan quoted back in a message is cut to this many characters


@dataclass(frozen=True, slots=True)
class Signature:
    """A pharmacist who has just typed their password again: the second component of the
    signature (21 CFR 11.200). Made only by `confirm_signature`."""

    user: User
    at: dt.datetime


def confirm_signature(user: User, password: str, address: str) -> Signature:
    """The user's signature, once their password is typed again, throttled with sign-in (it
    guards the same secret). Checked before the order's lock is taken: the throttle commits
    the attempt, so that a refused release still counts as a failure."""
    require_pharmacist(user, "Only a pharmacist can release a fill at the final check.")
    try:
        right = check_own_password(user, password, address)
    except TooManyAttempts as exc:
        raise WorkflowError(str(exc), field="password") from None
    if not right:
        raise WorkflowError(
            "That is not your password: the fill was not released. Type the password you "
            "sign in with.",
            field="password",
        )
    return Signature(user, utcnow())


def released_note(record: CompoundingRecord) -> str:
    """Who released the fill and when, as the page and a refusal say it."""
    if record.released_at is None:
        return ""
    who = record.released_by.full_name if record.released_by else "a pharmacist"
    return f"released by {who} on {pharmacy_time(record.released_at):%m/%d/%Y at %H:%M}"


def release_problem(record: CompoundingRecord, on: dt.date | None = None) -> str | None:
    """Why this fill cannot be released on `on` (the pharmacy's today); None when it can
    (after its scans)."""
    if record.released_at is not None:
        return (
            f"{record.batch_number} was already {released_note(record)}: nothing was signed again."
        )
    if record.dispensed_at is not None:
        return f"{record.batch_number} is already dispensed."
    if record.status != RecordStatus.SIGNED_OFF:
        return (
            f"{record.batch_number} is {record.status.label}: only a fill signed "
            "off by a pharmacist comes to the final check."
        )
    if record.order.status not in DISPENSABLE_ORDERS:
        return (
            f"The order is {OrderStatus(record.order.status).label}: its fill cannot be released."
        )
    mismatch = fill_mismatch(record)
    if mismatch:
        return mismatch
    today = on or pharmacy_today()
    problem = expiry_problem(record, today) or prescription_expired(record.order, today)
    if problem:
        return problem
    if not db.session.scalar(
        select(func.count()).select_from(LabelPrint).where(LabelPrint.record_id == record.id)
    ):
        return "Print the fill's label first: the final check scans it."
    return None


def check_label_scan(
    record: CompoundingRecord, scanned: str, field: str = "label_scan", what: str = "patient label"
) -> None:
    """The label scanned (the patient label, or the bag's at pick-up) must be this fill's:
    its Rx number and its fill number."""
    expected = fill_code(record.order.rx_number, record.fill_number)
    found = parse_fill_code(scanned)
    if found is None:
        raise WorkflowError(
            _unreadable(scanned, f"Scan the barcode on the {what}", expected), field=field
        )
    if found.rx_number != record.order.rx_number.upper():
        raise WorkflowError(
            f"Wrong label: it is for {found.rx_number}, not {record.order.rx_number}. Take "
            "it off and find this fill's label.",
            field=field,
        )
    if found.fill_number != record.fill_number:
        raise WorkflowError(
            f"Wrong label: it is fill {found.fill_number}'s label of {found.rx_number}; this "
            f"is fill {record.fill_number}. Print this fill's label ({expected}).",
            field=field,
        )


def check_container_scan(record: CompoundingRecord, scanned: str) -> None:
    """The container scanned must carry this fill's batch number (its container label, from
    the worksheet)."""
    if same_code(scanned, record.batch_number):
        return
    if parse_fill_code(scanned) is not None:
        raise WorkflowError(
            "That is a patient label's code: scan the batch label on the container.",
            field="container_scan",
        )
    text = clean_scan(scanned)
    raise WorkflowError(
        f"Wrong container: it carries {text[:SCAN_SHOWN]}, not this fill's batch "
        f"{record.batch_number}."
        if text
        else f"Scan the batch label on the container ({record.batch_number}).",
        field="container_scan",
    )


def _unreadable(scanned: str, ask: str, expected: str) -> str:
    text = clean_scan(scanned)
    if not text:
        return f"{ask} ({expected})."
    return f'"{text[:SCAN_SHOWN]}" is not a fill label\'s code. {ask} ({expected}).'


def release(
    record: CompoundingRecord, signature: Signature, *, label_scan: str, container_scan: str
) -> None:
    """The pharmacist releases the fill after its scans: the signature (who, when, meaning)
    is kept on the fill and in the order's history. Under the order's row lock: of two
    pharmacists releasing one fill at once, the second is told who released it."""
    user = signature.user
    require_pharmacist(user, "Only a pharmacist can release a fill at the final check.")
    lock_order(record.order)
    db.session.refresh(record)
    problem = release_problem(record, pharmacy_time(signature.at).date())
    if problem:
        raise WorkflowError(problem)
    check_label_scan(record, label_scan)
    check_container_scan(record, container_scan)
    record.released_at, record.released_by = signature.at, user
    record.release_meaning = RELEASE_MEANING
    record_event(
        record.order,
        user,
        "released",
        f"{record.batch_number} released at the final check: label "
        f"{fill_code(record.order.rx_number, record.fill_number)} and container "
        f"{record.batch_number} scanned; signed by {user.full_name} ({user.username}), "
        f"meaning: {RELEASE_MEANING}",
        at=signature.at,
    )


def sign_and_release(
    record: CompoundingRecord,
    user: User,
    *,
    password: str,
    address: str,
    label_scan: str,
    container_scan: str,
) -> None:
    """The final check as the page makes it: the fill's state and its two scans are checked
    first (a wrong scan costs no password attempt), then the password is checked as the
    signature, then the fill is released under the order's lock."""
    require_pharmacist(user, "Only a pharmacist can release a fill at the final check.")
    problem = release_problem(record)
    if problem:
        raise WorkflowError(problem)
    check_label_scan(record, label_scan)
    check_container_scan(record, container_scan)
    signature = confirm_signature(user, password, address)
    release(record, signature, label_scan=label_scan, container_scan=container_scan)


def refuse_if_unreleased(record: CompoundingRecord) -> None:
    """Every fill passes a scanned final check by a pharmacist before it leaves."""
    if record.released_at is None:
        raise WorkflowError(
            f"{record.batch_number} has not passed its final check: a pharmacist scans its "
            "label and container and releases it before it is dispensed."
        )


@dataclass(frozen=True, slots=True)
class LotUsed:
    role: str
    ingredient: str
    lot_number: str
    supplier: str
    expiry_date: dt.date
    required: str
    actual: str
    deviation: str | None  # the pharmacist's acceptance of an amount out of tolerance
    decided_by: str | None


@dataclass(frozen=True, slots=True)
class FinalCheckView:
    """Everything the pharmacist reads at the final check, as plain values."""

    label: dict[str, Any]
    worksheet: tuple[dict[str, Any], ...]
    lots: tuple[LotUsed, ...]
    cautions: tuple[str, ...]
    # Each substitution and its decision: "Ora-Sweet SF as vehicle for purified water, simple
    # syrup: approved by ..., prescriber ... consulted 11/30/2026: <reason>".
    substitutions: tuple[str, ...]
    supply_warning: str | None
    supply_accepted: str | None
    signed_off: str
    problem: str | None
    released: str


def _substitution_text(substitution: Substitution) -> str:
    what = f"{substitution.used} as {substitution.kind} for {substitution.prescribed}"
    if not substitution.approved:
        return f"{what}: waiting for a pharmacist's decision."
    by = substitution.decided_by.full_name if substitution.decided_by else "a pharmacist"
    on = f"{substitution.consulted_on:%m/%d/%Y}" if substitution.consulted_on else "—"
    return (
        f"{what}: approved by {by}, prescriber {substitution.prescriber_consulted} consulted "
        f"{on}: “{substitution.reason}”"
    )


def final_check_view(record: CompoundingRecord) -> FinalCheckView:
    """The final check page's content for this fill."""
    lots = tuple(
        LotUsed(
            role=c.role,
            ingredient=c.lot.ingredient.name,
            lot_number=c.lot.lot_number,
            supplier=c.lot.supplier,
            expiry_date=c.lot.expiry_date,
            required=f"{plain(c.required)} {c.unit}",
            actual=f"{plain(c.actual)} {c.unit}" if c.actual is not None else "—",
            deviation=c.decision_reason,
            decided_by=c.decided_by.full_name if c.decided_by else None,
        )
        for c in record.components
    )
    accepted = None
    if record.supply_accepted_reason:
        by = record.supply_accepted_by.full_name if record.supply_accepted_by else "a pharmacist"
        accepted = f"{by}: {record.supply_accepted_reason}"
    signed = (
        f"{record.signed_off_by.full_name}, {pharmacy_time(record.signed_off_at):%m/%d/%Y %H:%M}"
        if record.signed_off_by and record.signed_off_at
        else "—"
    )
    return FinalCheckView(
        label=label_values(record),
        worksheet=tuple(record.worksheet or ()),
        lots=lots,
        # The start's note that a substitution waits for a decision gives way to the decision.
        cautions=tuple(
            c
            for c in record.cautions or ()
            if not (record.substitutions and c == substitution_note(record.mfr, record.order))
        ),
        substitutions=tuple(_substitution_text(s) for s in record.substitutions),
        supply_warning=record.supply_warning,
        supply_accepted=accepted,
        signed_off=signed,
        problem=None if record.released_at else release_problem(record),
        released=released_note(record),
    )
