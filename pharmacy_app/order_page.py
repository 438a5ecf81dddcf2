"""The order's page and the home page: views of the orders blueprint that show what the
features above orders made for an order (its fills, their labels and charges, the form to
dispense one). They live here, above every feature, so that orders imports none of those
(import-linter's layers in pyproject.toml); each feature answers for its own tables."""

from __future__ import annotations

from typing import Any

from flask import render_template

from .compounding.expiry import FillMark, count_to_discard, expired_fills_of, fill_marks
from .compounding.services import fills_at_work, fills_of
from .costs.services import charges_of, prices_due
from .dispensing.forms import DispenseForm
from .labels.services import prints_of, stocks_by_name
from .orders.forms import OverrideForm, QueueFilterForm, RejectForm, VerifyForm
from .orders.models import Order, OrderStatus
from .orders.queue import page_of, status_counts
from .orders.routes import bp
from .orders.services import ensure_editable, get_order_or_404
from .orders.validity import renewal_needed, valid_until
from .orders.workflow import outstanding_warnings, override_for
from .timeutil import pharmacy_today
from .workflow import WorkflowError

RENEWAL_NEEDED = FillMark("renewal", "Renewal needed")


@bp.app_template_global("order_marks")
def order_marks(orders: list[Order]) -> dict[int, list[FillMark]]:
    """What a list of orders shows against each (by order id): "renewal needed" for an open
    order whose prescription has expired, and a fill still in the pharmacy past its BUD."""
    today = pharmacy_today()
    expired = expired_fills_of([o.id for o in orders], today)
    marks: dict[int, list[FillMark]] = {}
    for order in orders:
        found = []
        if renewal_needed(order, today):
            found.append(RENEWAL_NEEDED)
        if order.id in expired:
            found.append(FillMark("expired", f"Fill {expired[order.id].batch_number} expired"))
        if found:
            marks[order.id] = found
    return marks


@bp.get("/")
def home() -> str:
    being_made, awaiting, awaiting_total = fills_at_work()
    today = pharmacy_today()
    return render_template(
        "orders/home.html",
        counts=status_counts(),
        being_made=being_made,
        awaiting_signoff=awaiting,
        awaiting_total=awaiting_total,
        marks=fill_marks(awaiting, today),
        to_discard=count_to_discard(today),
        waiting=page_of(QueueFilterForm(formdata=None, status=OrderStatus.CHECKED), 1),
    )


@bp.get("/orders/<int:order_id>")
def detail(order_id: int) -> str:
    order = get_order_or_404(order_id)
    records = fills_of(order)
    check_id = order.latest_check.id if order.latest_check else ""
    today = pharmacy_today()
    return render_template(
        "orders/detail.html",
        marks=fill_marks(records, today),
        renewal_needed=renewal_needed(order, today),
        valid_until=valid_until(order),
        editable=_editable(order),
        records=records,
        prints=prints_of(records),
        costs=charges_of(records),
        prices=prices_due(records, today),
        dispense_form=DispenseForm(),
        label_stocks=stocks_by_name(),
        order=order,
        findings=_findings(order),
        outstanding=outstanding_warnings(order),
        verify_form=VerifyForm(check_id=check_id),
        reject_form=RejectForm(check_id=check_id),
        override_form=OverrideForm(),
    )


def _findings(order: Order) -> list[dict[str, Any]]:
    """The latest check's findings, each with the override that accepted it (or None)."""
    findings = order.latest_check.findings if order.latest_check else []
    return [{**f, "override": override_for(order, f)} for f in findings]


def _editable(order: Order) -> bool:
    try:
        ensure_editable(order)
    except WorkflowError:
        return False
    return True
