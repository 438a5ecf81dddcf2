"""The monthly cost report (page, CSV, PDF) and the price schedules."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from ..accounts.auth import acting_user, require
from ..accounts.models import Permission
from ..extensions import db
from ..idempotency.forms import claim
from ..pdf import render_pdf
from ..timeutil import pharmacy_zone, utcnow
from ..views import act
from .export import csv_lines
from .forms import PriceScheduleForm
from .models import CostRecord, PriceSchedule
from .report import (
    FIRST_MONTH,
    LAST_MONTH,
    month_in_range,
    monthly_report,
    trend_svg,
)
from .services import preparation_names, void_charge

bp = Blueprint("costs", __name__)


@bp.get("/reports/monthly")
@require(Permission.VIEW_COSTS)  # cost and price figures: pharmacists and admins
def monthly() -> str:
    month = _month() or _this_month()
    report = monthly_report(month)
    return render_template(
        "costs/monthly.html",
        report=report,
        svg=trend_svg(report["trend"]),
        month_value=f"{month:%Y-%m}",
    )


@bp.get("/reports/monthly.csv")
@require(Permission.VIEW_COSTS)  # cost and price figures: pharmacists and admins
def monthly_csv() -> BaseResponse:
    month = _month()
    if month is None:
        return redirect(url_for("costs.monthly"))
    return Response(
        stream_with_context(csv_lines(month)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=costs-{month:%Y-%m}.csv"},
    )


@bp.get("/reports/monthly.pdf")
@require(Permission.VIEW_COSTS)  # cost and price figures: pharmacists and admins
def monthly_pdf() -> BaseResponse:
    month = _month()
    if month is None:
        return redirect(url_for("costs.monthly"))
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
@require(Permission.VERIFY)  # a refund is a pharmacist's decision
def void(cost_id: int) -> BaseResponse:
    """A pharmacist voids a refunded fill: it leaves the reports, and the order says why."""
    cost = db.get_or_404(CostRecord, cost_id)
    back = (
        url_for("orders.detail", order_id=cost.order_id)
        if cost.order_id
        else url_for("costs.monthly")
    )
    return act(
        lambda: void_charge(cost, request.form.get("reason", ""), acting_user()),
        f"{cost.batch_number} voided: it no longer counts in the reports.",
        back,
    )


@bp.route("/costs/prices", methods=["GET", "POST"])
@require(Permission.VIEW_COSTS)  # cost and price figures: pharmacists and admins
def prices() -> str | BaseResponse:
    form = PriceScheduleForm()
    if form.validate_on_submit():
        submission = claim(form.once_token.data, "price schedule")
        db.session.add(form.new_schedule())
        submission.saved(url_for("costs.prices"))
        db.session.commit()
        flash(
            "Price schedule saved: it applies to fills dispensed from "
            f"{form.effective_from.data.isoformat()}; earlier fills keep their prices."
        )
        return redirect(url_for("costs.prices"))
    schedules = db.session.scalars(
        select(PriceSchedule).order_by(PriceSchedule.family, PriceSchedule.effective_from.desc())
    ).all()
    return render_template(
        "costs/prices.html",
        form=form,
        schedules=schedules,
        names=preparation_names({s.family for s in schedules}),
    )


def _month() -> dt.date | None:
    """The month asked for (?month=YYYY-MM); this month in the pharmacy's time zone when none
    is given; None, with a message, for text that is not a month the report covers."""
    text = request.args.get("month", "")
    if not text:
        return _this_month()
    try:
        month = dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        flash(f'"{text}" is not a month (YYYY-MM): showing this month.', "error")
        return None
    if not month_in_range(month):
        flash(
            f"Reports cover {FIRST_MONTH:%Y-%m} to {LAST_MONTH:%Y-%m}, not {text}: "
            "showing this month.",
            "error",
        )
        return None
    return month


def _this_month() -> dt.date:
    return utcnow().astimezone(pharmacy_zone()).date().replace(day=1)
