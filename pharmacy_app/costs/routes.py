"""The monthly cost report (page, CSV, PDF) and the price schedules."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from ..accounts.auth import acting_user
from ..accounts.models import Permission
from ..extensions import db
from ..orders.services import WorkflowError, record_event
from ..pdf import render_pdf
from ..timeutil import utcnow
from .forms import PriceScheduleForm
from .models import CostRecord, PriceSchedule
from .report import month_fills, monthly_report, trend_svg
from .services import pharmacy_zone, void_cost

bp = Blueprint("costs", __name__)


@bp.before_request
def _managers_only() -> None:
    """Cost and price figures are for pharmacists and admins."""
    user = acting_user()
    if not (user.can(Permission.VERIFY) or user.can(Permission.ADMINISTER)):
        abort(403, description="Cost reports are for pharmacists and admins.")


@bp.get("/reports/monthly")
def monthly() -> str:
    month = _month()
    report = monthly_report(month)
    return render_template(
        "costs/monthly.html",
        report=report,
        svg=trend_svg(report["trend"]),
        month_value=f"{month:%Y-%m}",
    )


@bp.get("/reports/monthly.csv")
def monthly_csv() -> Response:
    month = _month()

    def rows() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "date",
                "rx_number",
                "batch",
                "preparation",
                "units",
                "days_supply",
                "ingredient_cost",
                "labour_cost",
                "fees",
                "total_cost",
                "price",
                "margin",
                "currency",
                "price_overridden",
                "override_reason",
            ]
        )
        for fill in month_fills(month):
            writer.writerow(
                [
                    fill.local_date.isoformat(),
                    fill.rx_number,
                    fill.batch_number,
                    fill.preparation,
                    fill.units,
                    fill.days_supply,
                    fill.ingredient_cost,
                    fill.labour_cost,
                    fill.fees,
                    fill.total_cost,
                    fill.price,
                    fill.margin,
                    fill.currency,
                    "yes" if fill.price_overridden else "no",
                    fill.override_reason,
                ]
            )
            yield out.getvalue()
            out.seek(0)
            out.truncate()
        if out.getvalue():
            yield out.getvalue()

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=costs-{month:%Y-%m}.csv"},
    )


@bp.get("/reports/monthly.pdf")
def monthly_pdf() -> Response:
    month = _month()
    report = monthly_report(month)
    pdf = render_pdf(
        "costs/monthly_pdf.html",
        report=report,
        svg=trend_svg(report["trend"]),
        produced=utcnow().astimezone(pharmacy_zone()),
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename=costs-{month:%Y-%m}.pdf"},
    )


@bp.post("/costs/<int:cost_id>/void")
def void(cost_id: int) -> BaseResponse:
    """A pharmacist voids a refunded fill: it leaves the reports, and the order says why."""
    cost = db.get_or_404(CostRecord, cost_id)
    if not acting_user().can(Permission.VERIFY):
        abort(403)
    try:
        void_cost(cost, request.form.get("reason", ""))
        if cost.record is not None:
            record_event(
                cost.record.order,
                acting_user(),
                "voided",
                f"{cost.batch_number}: {request.form.get('reason', '').strip()}",
            )
        db.session.commit()
        flash(f"{cost.batch_number} voided: it no longer counts in the reports.")
    except WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return redirect(
        url_for("orders.detail", order_id=cost.order_id)
        if cost.order_id
        else url_for("costs.monthly")
    )


@bp.route("/costs/prices", methods=["GET", "POST"])
def prices() -> str | BaseResponse:
    form = PriceScheduleForm()
    if form.validate_on_submit():
        db.session.add(
            PriceSchedule(
                family=form.family.data,
                method=form.method.data,
                base_price=form.base_price.data,
                base_quantity=form.base_quantity.data,
                markup_percent=form.markup_percent.data,
                dispensing_fee=form.dispensing_fee.data,
                effective_from=form.effective_from.data,
            )
        )
        db.session.commit()
        flash(
            "Price schedule saved: it applies to fills dispensed from "
            f"{form.effective_from.data.isoformat()}; earlier fills keep their prices."
        )
        return redirect(url_for("costs.prices"))
    schedules = db.session.scalars(
        select(PriceSchedule).order_by(PriceSchedule.family, PriceSchedule.effective_from.desc())
    ).all()
    return render_template("costs/prices.html", form=form, schedules=schedules)


def _month() -> dt.date:
    """The month asked for (?month=YYYY-MM), else this month in the pharmacy's time zone."""
    text = request.args.get("month", "")
    try:
        return dt.datetime.strptime(text, "%Y-%m").date().replace(day=1)
    except ValueError:
        if text:
            flash(f'"{text}" is not a month (YYYY-MM): showing this month.', "error")
        return utcnow().astimezone(pharmacy_zone()).date().replace(day=1)
