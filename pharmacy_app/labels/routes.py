"""Printing labels (one, a batch, a calibration page), the patient sheet, label stocks, and
dispensing (with its reversal)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from ..accounts.auth import acting_user, require
from ..accounts.models import Permission
from ..compounding.models import CompoundingRecord
from ..extensions import db
from ..idempotency.forms import claim
from ..orders.forms import QueueFilterForm
from ..orders.models import Order, OrderStatus
from ..orders.queue import queue_query
from ..orders.services import get_order_or_404
from ..pdf import render_pdf
from ..timeutil import pharmacy_time
from ..workflow import WorkflowError
from .forms import LabelStockForm, strict_id
from .models import LabelStock
from .rendering import render_calibration, render_labels
from .services import (
    LABELLED_ORDERS,
    chosen_stock,
    claim_ready,
    label_values,
    order_label_problem,
    patient_sheet_values,
    ready_to_label,
    record_print,
)

bp = Blueprint("labels", __name__)


@bp.app_template_filter("pharmacy_time")
def pharmacy_time_filter(moment: dt.datetime, format: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A stored instant as the pharmacy reads it: its own date and time zone, as on labels
    and in the cost reports (a fill dispensed at 23:50 on 31 October is October's)."""
    return pharmacy_time(moment).strftime(format)


@bp.app_template_global("label_stock_choices")
def label_stock_choices() -> list[LabelStock]:
    """The label stocks to print on, by name (for the queue's batch controls)."""
    return list(db.session.scalars(select(LabelStock).order_by(LabelStock.name)))


@bp.post("/orders/<int:order_id>/label")
@require(Permission.ENTER)
def order_label(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    record, problem = order_label_problem(order)
    if problem or record is None:
        flash(problem or "No fill to label.", "error")
        return redirect(url_for("orders.detail", order_id=order_id), 303)
    try:
        stock = _stock()
        record_print(record, stock, acting_user())
        pdf = render_labels([label_values(record)], stock)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("orders.detail", order_id=order_id), 303)
    return _pdf(pdf, f"label-{order.rx_number}.pdf")


@bp.post("/labels/batch")
@require(Permission.ENTER)
def batch() -> Response:
    """One PDF with a label for each chosen order (reprinting those already printed, since
    they were chosen), or for every fill still waiting for its first label, in queue order;
    on the chosen stock, from the chosen position of a partly used sheet."""
    try:
        stock = _stock()
        stock.first_position = _first_position(stock)
    except WorkflowError as exc:
        flash(str(exc), "error")
        return redirect(url_for("orders.queue"), 303)
    all_ready = bool(request.form.get("all_ready"))
    records = ready_to_label() if all_ready else _chosen_fills()
    if not records:
        flash(
            "No labels waiting: every signed-off fill has had its label printed. To print one "
            "again, choose its order, or print it from the order's page."
            if all_ready
            else "No labels to print: choose orders whose fills are signed off.",
            "error",
        )
        return redirect(url_for("orders.queue"), 303)
    try:
        if all_ready:
            # Printed by someone else meanwhile (a double click, a colleague): not again.
            records = claim_ready(records)
            if not records:
                raise WorkflowError("These labels were printed meanwhile: nothing to print.")
        user = acting_user()
        # Each print is recorded under its order's lock, and the labels are made from the
        # fills as they stand under it.
        for record in records:
            record_print(record, stock, user, batch=True)
        pdf = render_labels([label_values(r) for r in records], stock)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("orders.queue"), 303)
    return _pdf(pdf, f"labels-{len(records)}.pdf")


def _chosen_fills() -> list[CompoundingRecord]:
    """The current fill of each chosen order, in queue order; the others are named."""
    ids = {i for i in map(strict_id, request.form.getlist("order_id")) if i is not None}
    ordered = (
        db.session.scalars(
            queue_query(QueueFilterForm(formdata=None)).where(Order.id.in_(ids))
        ).all()
        if ids
        else []
    )
    records, skipped = [], []
    for order in ordered:
        record, problem = order_label_problem(order)
        if problem or record is None:
            skipped.append(f"{order.rx_number}: {problem}")
        else:
            records.append(record)
    if skipped:
        flash("Not printed: " + " · ".join(skipped), "error")
    return records


def _first_position(stock: LabelStock) -> int:
    """The position on a partly used sheet to start from (1 when not given, or on a roll)."""
    typed = (request.form.get("first_position") or "").strip()
    if not typed or not stock.is_sheet:
        return 1
    position = strict_id(typed)
    if position is None or position > stock.per_page:
        raise WorkflowError(
            f'Start at label: "{typed}" is not a position on {stock.name} (1 to '
            f"{stock.per_page}, row by row from the top left)."
        )
    return position


@bp.get("/orders/<int:order_id>/patient-sheet.pdf")
def patient_sheet(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    if order.status not in LABELLED_ORDERS:
        flash(
            f"The order is {OrderStatus(order.status).label}: the patient information sheet "
            "goes with the label of a verified order.",
            "error",
        )
        return redirect(url_for("orders.detail", order_id=order_id), 303)
    pdf = render_pdf(
        "labels/patient_sheet.html",
        sheet=patient_sheet_values(order),
        page=request.args.get("page", "letter"),
    )
    return _pdf(pdf, f"about-ldn-{order.rx_number}.pdf")


@bp.route("/labels/stocks", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def stocks() -> str | Response | tuple[str, int]:
    form = LabelStockForm()
    if form.validate_on_submit():
        editing = form.editing()
        stock = db.session.get(LabelStock, editing) if editing else None
        try:
            # A new stock is made once, however often its form is posted (a second post is
            # shown the first's stock, not told its name is taken); a change may be saved again.
            submission = claim(form.once_token.data, "label stock") if stock is None else None
            if not form.name_taken():
                if stock is None:
                    stock = LabelStock()
                    db.session.add(stock)
                form.populate_stock(stock)
                if stock.is_default:
                    for other in db.session.scalars(select(LabelStock)):
                        other.is_default = other is stock
                if submission is not None:
                    submission.saved(url_for("labels.stocks"))
                db.session.commit()
                flash(f"{stock.name} saved.")
                return redirect(url_for("labels.stocks"))
        except IntegrityError:
            # Another admin saved a stock of this name a moment ago: PostgreSQL made this save
            # wait for it to commit, so it is found now.
            db.session.rollback()
            if not form.name_taken():
                raise
        db.session.rollback()
        form.name.errors = [
            f"A stock named {form.name.data} already exists: give this one its own name."
        ]
    rows = db.session.scalars(select(LabelStock).order_by(LabelStock.name)).all()
    edit_forms = {s.id: LabelStockForm.for_stock(s) for s in rows}
    editing = form.editing() if request.method == "POST" else None
    if editing in edit_forms:
        # A refused change shows at the stock it was for, as typed; the new-stock form stays empty.
        edit_forms[editing] = form
        form = LabelStockForm(formdata=None)
    page = render_template(
        "labels/stocks.html", stocks=rows, form=form, edit_forms=edit_forms, open_id=editing
    )
    return (page, 422) if request.method == "POST" else page


@bp.get("/labels/stocks/<int:stock_id>/calibration.pdf")
@require(Permission.ENTER)
def calibration(stock_id: int) -> Response:
    stock = db.get_or_404(LabelStock, stock_id)
    return _pdf(render_calibration(stock), "calibration.pdf")


def _stock() -> LabelStock:
    """The stock chosen in the form (or the query), else the default one."""
    return chosen_stock(request.form.get("stock") or request.args.get("stock"))


def _pdf(data: bytes, name: str) -> Response:
    # Sent as a file to save or print: the print record is made when it is produced.
    return send_file(
        BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=True
    )
