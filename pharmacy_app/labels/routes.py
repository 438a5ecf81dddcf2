"""Printing labels (one, a batch, a calibration page), the patient sheet, label stocks, and
dispensing."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..accounts.auth import acting_user, require
from ..accounts.models import Permission
from ..compounding.models import CompoundingRecord
from ..extensions import db
from ..orders.forms import QueueFilterForm
from ..orders.models import Order
from ..orders.queue import queue_query
from ..orders.services import WorkflowError, get_order_or_404
from ..pdf import render_pdf
from .forms import DispenseForm, LabelStockForm
from .models import LabelStock
from .rendering import render_calibration, render_labels
from .services import (
    default_stock,
    dispense,
    label_values,
    order_label_problem,
    pharmacy_time,
    ready_to_label,
    record_print,
)

bp = Blueprint("labels", __name__)


@bp.app_template_filter("pharmacy_time")
def pharmacy_time_filter(moment: dt.datetime, format: str = "%Y-%m-%d %H:%M %Z") -> str:
    """A stored instant as the pharmacy reads it: its own date and time zone, as on labels
    and in the cost reports (a fill dispensed at 23:50 on 31 October is October's)."""
    return pharmacy_time(moment).strftime(format)


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
        pdf = render_labels([label_values(record)], stock)
        record_print(record, stock, acting_user())
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("orders.detail", order_id=order_id), 303)
    return _pdf(pdf, f"label-{order.rx_number}.pdf")


@bp.post("/labels/batch")
@require(Permission.ENTER)
def batch() -> Response:
    """One PDF with a label for each chosen order (or every fill ready), in queue order."""
    if request.form.get("all_ready"):
        records = ready_to_label()
    else:
        ids = [int(i) for i in request.form.getlist("order_id") if i.isdigit()]
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
    if not records:
        flash("No labels to print: choose orders whose fills are signed off.", "error")
        return redirect(url_for("orders.queue"), 303)
    try:
        stock = _stock()
        pdf = render_labels([label_values(r) for r in records], stock)
        user = acting_user()
        for record in records:
            record_print(record, stock, user, batch=True)
        db.session.commit()
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("orders.queue"), 303)
    return _pdf(pdf, f"labels-{len(records)}.pdf")


@bp.get("/orders/<int:order_id>/patient-sheet.pdf")
def patient_sheet(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    pdf = render_pdf(
        "labels/patient_sheet.html", order=order, page=request.args.get("page", "letter")
    )
    return _pdf(pdf, f"about-ldn-{order.rx_number}.pdf")


@bp.route("/compounding/records/<int:record_id>/dispense", methods=["POST"])
@require(Permission.ENTER)
def dispense_fill(record_id: int) -> Response:
    record = db.get_or_404(CompoundingRecord, record_id)
    form = DispenseForm()
    if form.validate_on_submit():
        try:
            dispense(
                record,
                form.method.data or "",
                form.note.data or "",
                acting_user(),
                price_override=form.price.data,
                reason=form.price_reason.data or "",
            )
            db.session.commit()
            flash(f"{record.batch_number} dispensed.")
        except WorkflowError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    return redirect(url_for("orders.detail", order_id=record.order_id), 303)


@bp.route("/labels/stocks", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def stocks() -> str | Response:
    form = LabelStockForm()
    if form.validate_on_submit():
        stock = db.session.get(LabelStock, form.stock_id.data) if form.stock_id.data else None
        if stock is None:
            stock = LabelStock()
            db.session.add(stock)
        form.populate_stock(stock)
        if stock.is_default:
            for other in db.session.scalars(select(LabelStock)):
                other.is_default = other is stock
        db.session.commit()
        flash(f"{stock.name} saved.")
        return redirect(url_for("labels.stocks"))
    rows = db.session.scalars(select(LabelStock).order_by(LabelStock.name)).all()
    return render_template(
        "labels/stocks.html",
        stocks=rows,
        form=form,
        edit_forms={s.id: LabelStockForm.for_stock(s) for s in rows},
    )


@bp.get("/labels/stocks/<int:stock_id>/calibration.pdf")
@require(Permission.ENTER)
def calibration(stock_id: int) -> Response:
    stock = db.get_or_404(LabelStock, stock_id)
    return _pdf(render_calibration(stock), "calibration.pdf")


def _stock() -> LabelStock:
    chosen = request.form.get("stock", type=int) or request.args.get("stock", type=int)
    stock = db.session.get(LabelStock, chosen) if chosen else None
    return stock or default_stock()


def _pdf(data: bytes, name: str) -> Response:
    # Sent as a file to save or print: the print record is made when it is produced.
    return send_file(
        BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=True
    )
