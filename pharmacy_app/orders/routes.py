"""Order pages: the work queue, entry and editing with the checker, and the pharmacist's
decisions. The home page and the order's page, which show what the features above orders
made, are views of this blueprint in `pharmacy_app/order_page.py`."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden, NotFound
from werkzeug.wrappers import Response

from ..accounts.auth import acting_user, require
from ..accounts.models import Permission
from ..checks import CheckResult, DocumentError, OrderDocument, parse_order_document
from ..extensions import db
from ..idempotency.forms import claim
from ..timeutil import pharmacy_today
from ..views import act, commit_or_refuse, form_errors, go, go_back
from ..workflow import WorkflowError
from .forms import (
    DATE_FIELDS,
    FIELD_FOR_PATH,
    OrderForm,
    OverrideForm,
    QueueFilterForm,
    RejectForm,
    VerifyForm,
)
from .lookup import search_patients, search_prescribers
from .models import Order, OrderStatus
from .queue import page_of, status_counts
from .services import (
    check_document,
    create_order,
    current_policy,
    ensure_editable,
    get_order_or_404,
    update_order,
)
from .workflow import (
    override_warning,
    reject_order,
    verify_order,
)

bp = Blueprint("orders", __name__)


@bp.get("/orders")
def queue() -> str:
    filters = QueueFilterForm(request.args)
    filters.validate()
    page = page_of(filters, request.args.get("page", 1, type=int))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "orders/queue.html", filters=filters, page=page, args=args, counts=status_counts()
    )


@bp.route("/orders/new", methods=["GET", "POST"])
@require(Permission.ENTER)
def new() -> str | Response:
    form = OrderForm()
    return _enter(form, order=None)


@bp.route("/orders/<int:order_id>/edit", methods=["GET", "POST"])
@require(Permission.ENTER)
def edit(order_id: int) -> str | Response:
    order = get_order_or_404(order_id)
    try:
        ensure_editable(order)
    except WorkflowError as exc:
        flash(str(exc), "error")
        return redirect(url_for("orders.detail", order_id=order.id))
    form = OrderForm()
    if request.method == "GET":
        form.fill_from(order.document)
        # An order sent without a received date was received the day it was stored.
        form.date_received.data = form.date_received.data or order.date_received
    return _enter(form, order=order)


@bp.errorhandler(CSRFError)
def stale_form(error: CSRFError) -> tuple[str, int]:
    """An order form posted with a stale token: nothing is saved, and the form comes back
    with everything typed and a fresh token, so the technician only saves again."""
    if request.endpoint not in ("orders.new", "orders.edit"):
        return render_template("error.html", error=error), 400
    # Sign-in ran before the token check; the view's own checks have not run yet. Raised
    # here, inside an error handler, a NotFound or Forbidden would become a 500.
    if not acting_user().can(Permission.ENTER):
        return render_template("error.html", error=Forbidden()), 403
    order_id = (request.view_args or {}).get("order_id")
    order = db.session.get(Order, order_id) if order_id else None
    if order_id and order is None:
        return render_template("error.html", error=NotFound(f"No order with id {order_id}.")), 404
    flash(
        "Nothing was saved: the page's security token was no longer valid (the session "
        "changed, for example by signing in again). Check the form and save again.",
        "error",
    )
    form = OrderForm(formdata=request.form)
    template = render_template(
        "orders/form.html", form=form, order=order, result=None, findings={}, general=[]
    )
    return template, 400


@bp.post("/orders/check")
@require(Permission.ENTER)
def live_check() -> Response:
    """The checker's answer for the form as typed so far (used while typing)."""
    form = OrderForm()
    document, errors = _document(form)
    result = (
        check_document(
            document, order_id=request.args.get("order", type=int), today=pharmacy_today()
        )
        if document
        else None
    )
    return jsonify(
        {
            "verdict": result.verdict if result else None,
            # The badge's words come from the one definition (Verdict.label), not the script.
            "verdict_label": result.verdict.label if result else None,
            "findings": _by_field(result),
            "errors": errors,
        }
    )


@bp.post("/orders/<int:order_id>/overrides")
@require(Permission.VERIFY)
def override(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    form = OverrideForm()
    return _decide(
        order,
        form,
        lambda: override_warning(
            order,
            form.code.data or "",
            form.field.data or "",
            form.reason.data or "",
            acting_user(),
            _seen_check(form),
        ),
        "Warning overridden.",
    )


@bp.post("/orders/<int:order_id>/verify")
@require(Permission.VERIFY)
def verify(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    form = VerifyForm()
    return _decide(
        order,
        form,
        lambda: verify_order(order, acting_user(), _seen_check(form)),
        f"{order.rx_number} verified.",
    )


@bp.post("/orders/<int:order_id>/reject")
@require(Permission.VERIFY)
def reject(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    form = RejectForm()
    return _decide(
        order,
        form,
        lambda: reject_order(order, form.reason.data or "", acting_user(), _seen_check(form)),
        f"{order.rx_number} rejected.",
    )


@bp.get("/patients/search")
@require(Permission.ENTER)
def patients() -> Response:
    return jsonify(search_patients(request.args.get("q", "")))


@bp.get("/prescribers/search")
@require(Permission.ENTER)
def prescribers() -> Response:
    return jsonify(search_prescribers(request.args.get("q", "")))


def _enter(form: OrderForm, order: Order | None) -> str | Response:
    """Check or save the form; on any problem show it at its field, keeping what was typed."""
    result: CheckResult | None = None
    general: list[str] = []
    if form.is_submitted():
        document, errors = _document(form)
        _attach(form, errors, general)
        if document is not None:
            result = check_document(
                document, order_id=order.id if order else None, today=pharmacy_today()
            )
            if (form.save.data or form.save_draft.data) and form.validate():
                status = OrderStatus.DRAFT if form.save_draft.data else OrderStatus.CHECKED
                return _save(document, order, status, form.once_token.data)
    return render_template(
        "orders/form.html",
        form=form,
        order=order,
        result=result,
        findings=_by_field(result),
        general=general,
    )


def _save(
    document: OrderDocument, order: Order | None, status: OrderStatus, once_token: str | None
) -> Response:
    user = acting_user()

    def save() -> Order:
        submission = claim(once_token, "order")
        if order is None:
            saved = create_order(document, policy=current_policy(), entered_by=user, status=status)
        else:
            saved = order
            update_order(saved, document, policy=current_policy(), user=user, status=status)
        submission.saved(url_for("orders.detail", order_id=saved.id))
        return saved

    def done(saved: Order) -> Response:
        sent = "saved as a draft" if status is OrderStatus.DRAFT else "sent for verification"
        verdict = "blocked" if saved.verdict == "block" else saved.verdict
        return go(
            url_for("orders.detail", order_id=saved.id),
            f"{saved.rx_number} {sent}; check: {verdict}.",
        )

    back = url_for("orders.detail", order_id=order.id) if order else url_for("orders.new")
    return commit_or_refuse(save, done, go_back(back))


def _document(form: OrderForm) -> tuple[OrderDocument | None, dict[str, list[str]]]:
    """The form as an order document, or the errors by form field. A date typed but not
    readable is an error too, not a date left blank."""
    unreadable = {
        name: ["Write the date as MM/DD/YYYY (for example 03/14/1968)."]
        for name in DATE_FIELDS
        if getattr(form, name).data is None and "".join(getattr(form, name).raw_data or []).strip()
    }
    try:
        document = parse_order_document(form.document(), today=pharmacy_today())
    except DocumentError as exc:
        errors: dict[str, list[str]] = dict(unreadable)
        for path, messages in exc.errors.items():
            name, line = _form_field(path)
            if name in DATE_FIELDS and getattr(form, name).data is None:
                messages = ["Write the date as MM/DD/YYYY (for example 03/14/1968)."]

            prefix = f"Line {line + 1}: " if line is not None else ""
            errors.setdefault(name, [])
            errors[name].extend(prefix + m for m in messages if prefix + m not in errors[name])
        return None, errors
    return (None, unreadable) if unreadable else (document, {})


def _attach(form: OrderForm, errors: dict[str, list[str]], general: list[str]) -> None:
    for name, messages in errors.items():
        field = getattr(form, name, None) if name else None
        if field is None:
            general.extend(messages)
            continue
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.extend(m for m in messages if m not in field.errors)


def _by_field(result: CheckResult | None) -> dict[str, list[dict[str, Any]]]:
    """Findings grouped by the form field they concern ("" for none)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for finding in result.findings if result else ():
        name, line = _form_field(finding.field)
        item = finding.to_dict() | ({"line": line + 1} if line is not None else {})
        grouped.setdefault(name, []).append(item)
    return grouped


_INDEX = re.compile(r"\[(\d+)\]$")


def _form_field(path: str) -> tuple[str, int | None]:
    """'patient.medications[1]' -> ('medications', 1)."""
    index = _INDEX.search(path)
    base = _INDEX.sub("", path)
    return FIELD_FOR_PATH.get(base, ""), int(index[1]) if index else None


def _seen_check(form: VerifyForm | OverrideForm | RejectForm) -> int:
    """The id of the check the deciding page showed. Every page that decides sends it: a
    decision without it (or with something else in its place) is refused, since nobody can
    say which version of the order the pharmacist saw."""
    value = (form.check_id.data or "").strip()
    if not (value.isascii() and value.isdigit() and len(value) < 18):
        raise WorkflowError(
            "This page does not say which check of the order you saw: reload the order and "
            "decide again."
        )
    return int(value)


def _decide(order: Order, form: Any, action: Callable[[], object], done: str) -> Response:
    """A pharmacist's decision from the order's page: the form checked, then the decision
    made and committed, and the page again with what was done or why not."""
    here = url_for("orders.detail", order_id=order.id)
    if not form.validate_on_submit():
        flash("Not done: " + form_errors(form), "error")
        return go(here)
    return act(action, done, here)
