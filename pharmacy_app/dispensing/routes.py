"""Dispensing pages: record a fill as picked up or shipped, and reverse a dispensing."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from ..accounts.auth import acting_user, require
from ..accounts.models import Permission
from ..compounding.models import CompoundingRecord, RecordStatus
from ..costs.services import computed_price, cost_lines
from ..extensions import db
from ..idempotency.forms import claim
from ..timeutil import utcnow
from ..workflow import WorkflowError
from .forms import DispenseForm, ReverseDispensingForm
from .services import (
    RefillTooSoon,
    TooSoon,
    dispense,
    local_date,
    refill_too_soon,
    reverse_dispensing,
)

bp = Blueprint("dispensing", __name__)


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
    try:
        submission = claim(form.once_token.data, "dispensing")
        dispense(
            record,
            form.method.data or "",
            form.note.data or "",
            acting_user(),
            price_override=form.price.data,
            reason=form.price_reason.data or "",
            early_reason=form.early_reason.data or "",
        )
        submission.saved(url_for("orders.detail", order_id=record.order_id))
        db.session.commit()
        flash(f"{record.batch_number} dispensed.")
    except RefillTooSoon as exc:
        db.session.rollback()
        if form.early_reason.data:
            form.early_reason.errors = ["Give the reason in a few words."]
        page = _dispensing_page(record, form, ReverseDispensingForm(), too_soon=exc.too_soon)
        return page, 409
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("orders.detail", order_id=record.order_id), 303)


@bp.post("/compounding/records/<int:record_id>/reverse-dispensing")
@require(Permission.VERIFY)
def reverse(record_id: int) -> str | Response | tuple[str, int]:
    record = db.get_or_404(CompoundingRecord, record_id)
    form = ReverseDispensingForm()
    if form.validate_on_submit():
        try:
            reverse_dispensing(record, form.reason.data or "", acting_user())
            db.session.commit()
            flash(
                f"Dispensing of {record.batch_number} reversed: the fill is open again and its "
                "charge is voided."
            )
            return redirect(url_for("orders.detail", order_id=record.order_id), 303)
        except WorkflowError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return _dispensing_page(record, DispenseForm(formdata=None), form), 422


def _dispensing_page(
    record: CompoundingRecord,
    form: DispenseForm,
    reverse_form: ReverseDispensingForm,
    too_soon: TooSoon | None = None,
) -> str:
    waiting = record.dispensed_at is None and record.status == RecordStatus.SIGNED_OFF.value
    today = local_date(utcnow())
    return render_template(
        "dispensing/dispense.html",
        record=record,
        order=record.order,
        form=form,
        reverse_form=reverse_form,
        price=computed_price(record, cost_lines(record), today) if waiting else None,
        too_soon=too_soon or (refill_too_soon(record) if waiting else None),
    )
