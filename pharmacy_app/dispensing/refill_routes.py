"""Refill pages: a request recorded from the order's page (or cancelled), the auto-refill
opt-in, the refill queue, and the renewal request to the prescriber."""

from __future__ import annotations

from io import BytesIO

from flask import render_template, request, send_file, url_for
from werkzeug.wrappers import Response

from ..accounts.auth import acting_user, require
from ..accounts.models import Permission
from ..extensions import db
from ..idempotency.forms import claim
from ..orders.models import Order
from ..orders.services import get_order_or_404
from ..timeutil import pharmacy_today
from ..views import act, commit_or_refuse, form_errors, go, go_back
from ..workflow import WorkflowError
from .forms import AutoRefillForm, CancelRequestForm, RefillRequestForm
from .models import RefillRequest
from .refill_queue import coming_due, requested
from .refills import cancel_request, refills_left_of, request_refill, set_auto_refill
from .renewal import renewal_request_pdf
from .routes import bp

DEFAULT_DAYS, MOST_DAYS = 7, 90


@bp.app_template_global("refills_left_of")
def refills_left_for_listing(orders: list[Order]) -> dict[int, int]:
    """Refills left for each order of a listing, in one query."""
    return refills_left_of(list(orders))


@bp.post("/orders/<int:order_id>/refill-requests")
@require(Permission.ENTER)
def refill_request(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    to_order = url_for("orders.detail", order_id=order.id)
    form = RefillRequestForm()
    if not form.validate_on_submit():
        return go_back(to_order, 303, "Nothing was recorded: ")(_invalid(form))

    def record_request() -> RefillRequest:
        submission = claim(form.once_token.data, "refill request")
        made = request_refill(
            order,
            form.requested_by.data or "",
            form.channel.data or "",
            acting_user(),
            note=form.note.data or "",
            early_reason=form.early_reason.data or "",
        )
        submission.saved(to_order)
        return made

    def done(made: RefillRequest) -> Response:
        due = f"; due {made.due_on:%m/%d/%Y}" if made.due_on else ""
        return go(to_order, f"Refill requested by {made.requested_by}{due}.", 303)

    return commit_or_refuse(record_request, done, go_back(to_order, 303))


@bp.post("/refill-requests/<int:request_id>/cancel")
@require(Permission.ENTER)
def cancel_refill_request(request_id: int) -> Response:
    found = db.get_or_404(RefillRequest, request_id)
    to_order = url_for("orders.detail", order_id=found.order_id)
    form = CancelRequestForm()
    if not form.validate_on_submit():
        return go_back(to_order, 303)(_invalid(form))
    return act(
        lambda: cancel_request(found, form.reason.data or "", acting_user()),
        "Refill request cancelled.",
        to_order,
        303,
    )


@bp.post("/orders/<int:order_id>/auto-refill")
@require(Permission.ENTER)
def auto_refill(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    to_order = url_for("orders.detail", order_id=order.id)
    form = AutoRefillForm()
    if not form.validate_on_submit():
        return go_back(to_order, 303)(_invalid(form))
    enabled = bool(form.enabled.data)
    return act(
        lambda: set_auto_refill(order, enabled, acting_user()),
        lambda changed: (
            ("Auto-refill is on." if enabled else "Auto-refill is off.")
            if changed
            else "Nothing changed."
        ),
        to_order,
        303,
    )


@bp.get("/dispensing/refills")
def refill_queue() -> str:
    """What is requested and due, and what comes due within `days` (7 by default)."""
    days = request.args.get("days", DEFAULT_DAYS, type=int)
    days = min(max(days if days is not None else DEFAULT_DAYS, 0), MOST_DAYS)
    today = pharmacy_today()
    return render_template(
        "dispensing/refills.html",
        today=today,
        days=days,
        requested=requested(today),
        coming=coming_due(today, days),
    )


@bp.post("/orders/<int:order_id>/renewal-request")
@require(Permission.ENTER)
def renewal_request(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    to_order = url_for("orders.detail", order_id=order.id)

    def answer(pdf: bytes) -> Response:
        return send_file(
            BytesIO(pdf),
            mimetype="application/pdf",
            download_name=f"renewal-{order.rx_number}.pdf",
        )

    return commit_or_refuse(
        lambda: renewal_request_pdf(order, acting_user()), answer, go_back(to_order, 303)
    )


def _invalid(form: object) -> WorkflowError:
    """A refused form's messages, to show on the order's page."""
    return WorkflowError(form_errors(form))
