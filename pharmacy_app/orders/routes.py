"""Read-only pages: the home page with today's work and an order's detail."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from ..extensions import db
from .models import Order
from .services import get_order_or_404

bp = Blueprint("orders", __name__)


@bp.get("/")
def home() -> str:
    counts = db.session.execute(
        select(Order.status, Order.verdict, func.count()).group_by(Order.status, Order.verdict)
    ).all()
    by_status: dict[str, int] = {}
    by_verdict: dict[str, int] = {}
    for status, verdict, count in counts:
        by_status[status] = by_status.get(status, 0) + count
        by_verdict[verdict] = by_verdict.get(verdict, 0) + count
    recent = db.session.scalars(select(Order).order_by(Order.created_at.desc()).limit(25)).all()
    return render_template(
        "orders/home.html",
        by_status=by_status,
        by_verdict=by_verdict,
        recent=recent,
        pharmacy=current_app.config["PHARMACY_NAME"],
    )


@bp.get("/orders/<int:order_id>")
def detail(order_id: int) -> str:
    order = get_order_or_404(order_id)
    return render_template("orders/detail.html", order=order)
