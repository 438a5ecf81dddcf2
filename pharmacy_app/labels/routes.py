"""Printing labels (one, a batch, a calibration page), the patient sheet, label stocks, and
dispensing (with its reversal)."""

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
from ..idempotency.forms import claim
from ..orders.forms import QueueFilterForm
from ..orders.models import Order, OrderStatus
from ..orders.queue import queue_query
from ..orders.services import get_order_or_404
from ..pdf import render_pdf
from ..timeutil import pharmacy_time
from ..views import at_field, commit_or_refuse, go, go_back
from ..workflow import WorkflowError
from .forms import LabelStockForm, strict_id
from .models import LabelStock
from .printing import print_order_label, send_order_label, zpl_order_label
from .rendering import render_calibration, render_labels
from .services import (
    LABELLED_ORDERS,
    Reprint,
    chosen_stock,
    claim_ready,
    dispensed_reprint_problem,
    held_back,
    label_values,
    order_label_problem,
    patient_sheet_values,
    ready_to_label,
    record_print,
    stocks_by_name,
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
    return stocks_by_name()


@bp.post("/orders/<int:order_id>/label")
@require(Permission.ENTER)
def order_label(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    return commit_or_refuse(
        lambda: print_order_label(order, _stock_asked(), acting_user(), _reprint_asked()),
        lambda pdf: _pdf(pdf, f"label-{order.rx_number}.pdf"),
        go_back(url_for("orders.detail", order_id=order_id), 303),
    )


@bp.post("/orders/<int:order_id>/label.zpl")
@require(Permission.ENTER)
def order_label_zpl(order_id: int) -> Response:
    """The label as ZPL to download (for a roll stock's Zebra printer), recorded as printed."""
    order = get_order_or_404(order_id)
    return commit_or_refuse(
        lambda: zpl_order_label(order, _stock_asked(), acting_user(), _reprint_asked()),
        lambda made: zpl_file(made[0], f"label-{order.rx_number}.zpl"),
        go_back(url_for("orders.detail", order_id=order_id), 303),
    )


@bp.post("/orders/<int:order_id>/label/send")
@require(Permission.ENTER)
def send_label(order_id: int) -> Response:
    """The label sent as ZPL to the stock's network printer, recorded as printed once sent;
    the printer's answer, or why it could not be reached, is shown on the order's page."""
    order = get_order_or_404(order_id)
    page = url_for("orders.detail", order_id=order_id)
    return commit_or_refuse(
        lambda: send_order_label(order, _stock_asked(), acting_user(), _reprint_asked()),
        lambda sent: go(page, sent.message, 303),
        go_back(page, 303),
    )


def _reprint_asked() -> Reprint:
    return Reprint(
        confirmed=request.form.get("confirm_reprint") == "y",
        reason=request.form.get("reprint_reason", ""),
    )


@bp.post("/labels/batch")
@require(Permission.ENTER)
def batch() -> Response:
    """One PDF with a label for each chosen order (reprinting those already printed, since
    they were chosen), or for every fill still waiting for its first label, in queue order;
    on the chosen stock, from the chosen position of a partly used sheet."""
    all_ready = bool(request.form.get("all_ready"))

    def print_batch() -> tuple[bytes, int]:
        stock = chosen_stock(_stock_asked())
        stock.first_position = _first_position(stock)
        if all_ready:
            records, held = held_back(ready_to_label())
            if held:
                # gates: an expired fill (or one whose BUD cuts its supply short) is not
                # printed with the rest; the batch says which and why.
                flash("Not printed: " + " · ".join(held), "warning")
        else:
            records, held = _chosen_fills(), []
        if not records:
            raise WorkflowError(
                "No labels printed: every fill waiting for one is named above."
                if held
                else "No labels waiting: every signed-off fill has had its label printed. To "
                "print one again, choose its order, or print it from the order's page."
                if all_ready
                else "No labels to print: choose orders whose fills are signed off."
            )
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
        return render_labels([label_values(r) for r in records], stock), len(records)

    return commit_or_refuse(
        print_batch,
        lambda made: _pdf(made[0], f"labels-{made[1]}.pdf"),
        go_back(url_for("orders.queue"), 303),
    )


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
        problem = problem or (dispensed_reprint_problem(record) if record else None)
        if problem or record is None:
            skipped.append(f"{order.rx_number}: {problem}")
        else:
            records.append(record)
    if skipped:
        flash("Not printed: " + " · ".join(skipped), "warning")
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

    def page() -> str | tuple[str, int]:
        shown = form
        rows = stocks_by_name()
        edit_forms = {s.id: LabelStockForm.for_stock(s) for s in rows}
        editing = form.editing() if request.method == "POST" else None
        if editing in edit_forms:
            # A refused change shows at the stock it was for, as typed; the new-stock form
            # stays empty.
            edit_forms[editing] = form
            shown = LabelStockForm(formdata=None)
        html = render_template(
            "labels/stocks.html", stocks=rows, form=shown, edit_forms=edit_forms, open_id=editing
        )
        return (html, 422) if request.method == "POST" else html

    if not form.validate_on_submit():
        return page()
    editing = form.editing()
    stock = db.session.get(LabelStock, editing) if editing else None

    def name_taken() -> WorkflowError | None:
        # After a race lost, too: another admin saved a stock of this name a moment ago, and
        # PostgreSQL made this save wait for it to commit, so it is found now.
        if not form.name_taken():
            return None
        return WorkflowError(
            f"A stock named {form.name.data} already exists: give this one its own name.", "name"
        )

    def save() -> LabelStock:
        # A new stock is made once, however often its form is posted (a second post is shown
        # the first's stock, not told its name is taken); a change may be saved again.
        submission = claim(form.once_token.data, "label stock") if stock is None else None
        taken = name_taken()
        if taken is not None:
            raise taken
        saved = stock or LabelStock()
        if stock is None:
            db.session.add(saved)
        form.populate_stock(saved)
        if saved.is_default:
            for other in db.session.scalars(select(LabelStock)):
                other.is_default = other is saved
        if submission is not None:
            submission.saved(url_for("labels.stocks"))
        return saved

    return commit_or_refuse(
        save,
        lambda saved: go(url_for("labels.stocks"), f"{saved.name} saved."),
        at_field(form, page),
        raced=name_taken,
    )


@bp.get("/labels/stocks/<int:stock_id>/calibration.pdf")
@require(Permission.ENTER)
def calibration(stock_id: int) -> Response:
    stock = db.get_or_404(LabelStock, stock_id)
    return _pdf(render_calibration(stock), "calibration.pdf")


def _stock_asked() -> str | None:
    """The id of the stock chosen in the form (or the query); none for the default one."""
    return request.form.get("stock") or request.args.get("stock")


def zpl_file(zpl: str, name: str) -> Response:
    """ZPL to save or send to a Zebra printer: UTF-8 text (it asks for ^CI28)."""
    return send_file(
        BytesIO(zpl.encode("utf-8")),
        mimetype="text/plain; charset=utf-8",
        download_name=name,
        as_attachment=True,
    )


def _pdf(data: bytes, name: str) -> Response:
    # Sent as a file to save or print: the print record is made when it is produced.
    return send_file(
        BytesIO(data), mimetype="application/pdf", download_name=name, as_attachment=True
    )
