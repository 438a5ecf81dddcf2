"""Dispensing pages: the final check and release of a fill, recording it as picked up or
shipped, and reversing a dispensing (refills and will-call have modules of their own)."""

from __future__ import annotations

from flask import Blueprint, flash, render_template, request, url_for
from werkzeug.wrappers import Response

from ..accounts.auth import acting_user, require
from ..accounts.models import Permission
from ..accounts.throttle import client_address
from ..compounding.models import CompoundingRecord
from ..costs.services import computed_price, cost_lines
from ..extensions import db
from ..idempotency.forms import claim
from ..timeutil import utcnow
from ..views import at_field, commit_or_refuse, go, go_back
from ..workflow import WorkflowError
from .final_check import final_check_view, sign_and_release
from .forms import DispenseForm, FinalCheckForm, ReverseDispensingForm
from .pickup import counselling_required, handover_text
from .services import (
    RefillTooSoon,
    TooSoon,
    dispense,
    local_date,
    refill_too_soon,
    reversal_problem,
    reverse_dispensing,
)

bp = Blueprint("dispensing", __name__)


@bp.get("/compounding/records/<int:record_id>/final-check")
@require(Permission.ENTER)
def final_check(record_id: int) -> str:
    """The fill's final check: its label text, worksheet, lots and accepted deviations on one
    page, the two scans and, for a pharmacist, the signed release."""
    record = db.get_or_404(CompoundingRecord, record_id)
    return _final_check_page(record, FinalCheckForm(formdata=None))


@bp.post("/compounding/records/<int:record_id>/final-check")
@require(Permission.VERIFY)
def release_fill(record_id: int) -> str | Response | tuple[str, int]:
    record = db.get_or_404(CompoundingRecord, record_id)
    form = FinalCheckForm()

    def page() -> tuple[str, int]:
        return _final_check_page(record, form), 422

    if not form.validate_on_submit():
        return page()
    return commit_or_refuse(
        lambda: sign_and_release(
            record,
            acting_user(),
            password=form.password.data or "",
            address=client_address(request.remote_addr),
            label_scan=form.label_scan.data or "",
            container_scan=form.container_scan.data or "",
        ),
        lambda _: go(
            url_for("dispensing.dispensing", record_id=record.id),
            f"{record.batch_number} released: ready to be dispensed.",
            303,
        ),
        at_field(form, page),
    )


def _final_check_page(record: CompoundingRecord, form: FinalCheckForm) -> str:
    return render_template(
        "dispensing/final_check.html",
        record=record,
        order=record.order,
        check=final_check_view(record),
        form=form,
    )


@bp.get("/compounding/records/<int:record_id>/dispense")
@require(Permission.ENTER)
def dispensing(record_id: int) -> str:
    """The fill's dispensing: the form to record it, or how it was dispensed and, for a
    pharmacist, the reversal of a dispensing recorded by mistake."""
    record = db.get_or_404(CompoundingRecord, record_id)
    return _dispensing_page(record, DispenseForm(formdata=None), ReverseDispensingForm())


@bp.post("/compounding/records/<int:record_id>/dispense")
@require(Permission.ENTER)
def dispense_fill(record_id: int) -> str | Response | tuple[str, int]:
    record = db.get_or_404(CompoundingRecord, record_id)
    form = DispenseForm()
    if not form.validate_on_submit():
        # Shown at the fields, with everything typed kept; nothing is recorded.
        return _dispensing_page(record, form, ReverseDispensingForm()), 422
    to_order = url_for("orders.detail", order_id=record.order_id)

    def record_dispensing() -> None:
        submission = claim(form.once_token.data, "dispensing")
        dispense(
            record,
            form.method.data or "",
            form.note.data or "",
            acting_user(),
            price_override=form.price.data,
            reason=form.price_reason.data or "",
            early_reason=form.early_reason.data or "",
            handover=form.handover(),
        )
        submission.saved(to_order)

    def refused(error: WorkflowError) -> Response | str | tuple[str, int]:
        if error.field is not None:  # a scan or a hand-over detail: shown at its field
            return at_field(
                form, lambda: (_dispensing_page(record, form, ReverseDispensingForm()), 422)
            )(error)
        if not isinstance(error, RefillTooSoon):
            return go_back(to_order, 303)(error)
        if form.early_reason.data:
            form.early_reason.errors = ["Give the reason in a few words."]
        page = _dispensing_page(record, form, ReverseDispensingForm(), too_soon=error.too_soon)
        return page, 409

    return commit_or_refuse(
        record_dispensing,
        lambda _: go(to_order, f"{record.batch_number} dispensed.", 303),
        refused,
    )


@bp.post("/compounding/records/<int:record_id>/reverse-dispensing")
@require(Permission.VERIFY)
def reverse(record_id: int) -> str | Response | tuple[str, int]:
    record = db.get_or_404(CompoundingRecord, record_id)
    form = ReverseDispensingForm()

    def page() -> tuple[str, int]:
        return _dispensing_page(record, DispenseForm(formdata=None), form), 422

    if not form.validate_on_submit():
        return page()

    def refused(error: WorkflowError) -> tuple[str, int]:
        flash(str(error), "error")
        return page()

    return commit_or_refuse(
        lambda: reverse_dispensing(record, form.reason.data or "", acting_user()),
        lambda _: go(
            url_for("orders.detail", order_id=record.order_id),
            f"Dispensing of {record.batch_number} reversed: the fill is open again and its "
            "charge is voided.",
            303,
        ),
        refused,
    )


def _dispensing_page(
    record: CompoundingRecord,
    form: DispenseForm,
    reverse_form: ReverseDispensingForm,
    too_soon: TooSoon | None = None,
) -> str:
    waiting = record.awaiting_dispensing
    today = local_date(utcnow())
    return render_template(
        "dispensing/dispense.html",
        record=record,
        order=record.order,
        form=form,
        reverse_form=reverse_form,
        price=computed_price(record, cost_lines(record), today) if waiting else None,
        too_soon=too_soon or (refill_too_soon(record) if waiting else None),
        counselling_required=counselling_required(record),
        handover=handover_text(record.handover),
        reversal_hold=reversal_problem(record) if record.dispensed_at else None,
    )


from . import refill_routes, will_call_routes  # noqa: E402, F401  (their routes join this blueprint)
