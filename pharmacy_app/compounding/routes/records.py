"""Compounding record pages: starting a fill from its order, its worksheet, the weights, a
pharmacist's decisions on it (a deviation, a long supply, sign-off, a discard)."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from flask import flash, render_template, request, send_file, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ...accounts.auth import acting_user, require
from ...accounts.models import Permission
from ...extensions import db
from ...idempotency.forms import claim
from ...orders.models import Order
from ...orders.services import get_order_or_404
from ...pdf import render_pdf
from ...timeutil import pharmacy_today
from ...views import act, commit_or_refuse, go
from ...workflow import WorkflowError
from ..expiry import fill_mark, unaccepted_shortfall
from ..forms import (
    AcceptSupplyForm,
    DecisionForm,
    DiscardForm,
    SignOffForm,
    StartRecordForm,
    SubstitutionForm,
)
from ..lot_scan import lot_field
from ..models import CompoundingRecord, MasterFormulation, RecordComponent, Substitution
from ..readings import weighed_amounts
from ..refill_timing import RefillTooSoon, TooSoon, refill_too_soon_on
from ..services import (
    StockChoice,
    accept_deviation,
    accept_supply,
    discard,
    fills_made,
    matching_formulations,
    record_weights,
    sign_off,
    sign_off_problem,
    start_choices,
    start_record,
)
from ..signals import early_refill_accepted
from ..substitutions import approve_substitution
from ..worksheet_print import worksheet_print
from . import bp


@bp.route("/orders/<int:order_id>/start", methods=["GET", "POST"])
@require(Permission.ENTER)
def start(order_id: int) -> str | Response:
    order = get_order_or_404(order_id)
    matches, reasons = matching_formulations(order)
    form = StartRecordForm()
    form.mfr.choices = [SelectChoice(m.id, f"{m.name} (v{m.version})") for m in matches]
    chosen = (
        db.session.get(MasterFormulation, form.mfr.data)
        if form.mfr.data
        else (matches[0] if matches else None)
    )
    options: list[StockChoice] = []
    notes: list[str] = []
    if chosen is not None:
        options, notes = start_choices(order, chosen)

    def page(too_soon: TooSoon | None = None) -> str:
        # A refill too soon is said before the first press, with the field for a
        # pharmacist's reason (start_record would refuse it without one).
        too_soon = too_soon or refill_too_soon_to_start(order)
        return render_template(
            "compounding/start.html",
            order=order,
            form=form,
            reasons=reasons,
            chosen=chosen,
            options=options,
            matches=matches,
            notes=notes,
            too_soon=too_soon,
        )

    if not form.validate_on_submit() or chosen is None:
        return page()
    shown = request.form.get("lots_for", type=int)
    if shown is not None and shown != chosen.id:
        # Another formula was chosen than the one whose lots were shown: its own lots are
        # shown to choose from, nothing is refused and nothing is made yet.
        flash(f"Lots for {chosen.name}: check them, then make the worksheet.")
        return page()
    lot_ids = {need.role: request.form.get(f"lot-{need.role}", type=int) for need, _, _ in options}

    def make_worksheet() -> CompoundingRecord:
        submission = claim(form.once_token.data, "compounding record")
        record = start_record(
            order,
            chosen,
            {k: v for k, v in lot_ids.items() if v},
            acting_user(),
            early_reason=(form.early_reason.data or "").strip(),
        )
        submission.saved(url_for("compounding.record", record_id=record.id))
        return record

    def refused(error: WorkflowError) -> str:
        if isinstance(error, RefillTooSoon):
            return page(error.too_soon)  # shown with the reason a pharmacist may give
        flash(str(error), "error")
        return page()

    return commit_or_refuse(
        make_worksheet,
        lambda record: go(url_for("compounding.record", record_id=record.id)),
        refused,
    )


def refill_too_soon_to_start(order: Order) -> TooSoon | None:
    """The order's next fill judged today, unless it is the first or was accepted early."""
    fills = fills_made(order)
    if fills == 0 or any(answer for _, answer in early_refill_accepted.send(order)):
        return None
    return refill_too_soon_on(order, fills + 1, pharmacy_today())


@bp.get("/records/<int:record_id>")
def record(
    record_id: int,
    typed: dict[int, str] | None = None,
    lots: dict[int, str] | None = None,
    field_errors: dict[str, str] | None = None,
) -> str:
    found = db.get_or_404(CompoundingRecord, record_id)
    today = pharmacy_today()
    return render_template(
        "compounding/record.html",
        record=found,
        mark=fill_mark(found, today),
        shortfall=unaccepted_shortfall(found, today),
        typed=typed or {},
        lots=lots or {},
        field_errors=field_errors or {},
        decision=DecisionForm(),
        supply_form=AcceptSupplyForm(),
        substitution_form=SubstitutionForm(),
        sign_off_form=SignOffForm(),
        sign_off_hold=(
            sign_off_problem(found, acting_user(), today) if found.awaiting_signoff else None
        ),
        discard_form=DiscardForm(),
    )


@bp.post("/records/<int:record_id>/weights")
@require(Permission.ENTER)
def weights(record_id: int) -> str | Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    typed = {c.id: (request.form.get(f"actual-{c.id}") or "").strip() for c in found.components}
    lots = {c.id: (request.form.get(lot_field(c.id)) or "")[:100] for c in found.components}
    correction = (request.form.get("correction") or "").strip()[:300]

    def refused(error: WorkflowError) -> str:
        if error.field:  # a lot scanned that is not the worksheet's: said at its field
            return record(record_id, typed, lots, {error.field: str(error)})
        flash(str(error), "error")
        return record(record_id, typed, lots)  # the readings as typed, to correct

    return commit_or_refuse(
        lambda: record_weights(
            found,
            weighed_amounts(found, typed),
            acting_user(),
            correction,
            scanned_lots=lots,
        ),
        lambda _: go(
            url_for("compounding.record", record_id=record_id),
            "Weights corrected; stock takes the difference."
            if correction
            else "Weights recorded and taken from stock.",
        ),
        refused,
    )


@bp.post("/records/<int:record_id>/components/<int:component_id>/decision")
@require(Permission.VERIFY)
def decide(record_id: int, component_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    component = db.get_or_404(RecordComponent, component_id)
    form = DecisionForm()
    if component.record_id != found.id or not form.validate_on_submit():
        flash("Give the reason for accepting the deviation (at least 5 characters).", "error")
        return go(url_for("compounding.record", record_id=record_id))
    return act(
        lambda: accept_deviation(found, component, form.reason.data or "", acting_user()),
        "Deviation accepted.",
        url_for("compounding.record", record_id=found.id),
    )


@bp.post("/records/<int:record_id>/supply")
@require(Permission.VERIFY)
def supply(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    return _with_reason(
        found,
        AcceptSupplyForm(),
        "accepting the supply",
        lambda reason: accept_supply(found, reason, acting_user()),
        "Supply longer than the beyond-use date accepted.",
    )


@bp.post("/records/<int:record_id>/substitutions/<int:substitution_id>/approval")
@require(Permission.VERIFY)
def approve(record_id: int, substitution_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    substitution = db.get_or_404(Substitution, substitution_id)
    form = SubstitutionForm()
    here = url_for("compounding.record", record_id=found.id)
    if substitution.record_id != found.id or not form.validate_on_submit():
        flash(
            "Give the reason for the substitution (at least 5 characters), the prescriber "
            "consulted and the date consulted.",
            "error",
        )
        return go(here)
    return act(
        lambda: approve_substitution(
            found,
            substitution,
            form.reason.data or "",
            form.prescriber.data or "",
            form.consulted_on.data,
            acting_user(),
        ),
        "Substitution approved.",
        here,
    )


@bp.post("/records/<int:record_id>/sign-off")
@require(Permission.VERIFY)
def sign(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    return act(
        lambda: sign_off(found, acting_user()),
        f"{found.batch_number} signed off: ready for its label.",
        url_for("compounding.record", record_id=found.id),
    )


@bp.post("/records/<int:record_id>/discard")
@require(Permission.VERIFY)
def throw_away(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    return _with_reason(
        found,
        DiscardForm(),
        "discarding",
        lambda reason: discard(found, reason, acting_user()),
        f"{found.batch_number} discarded.",
    )


@bp.get("/records/<int:record_id>/worksheet.pdf")
def worksheet_pdf(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    pdf = render_pdf("compounding/worksheet_pdf.html", record=worksheet_print(found))
    return send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        download_name=(f"worksheet-{found.batch_number}.pdf"),
    )


def _with_reason(
    found: CompoundingRecord,
    form: FlaskForm,
    doing: str,
    action: Callable[[str], object],
    done: str,
) -> Response:
    """A pharmacist's action that needs a reason: refused at once without one."""
    here = url_for("compounding.record", record_id=found.id)
    if not form.validate_on_submit():
        flash(f"Give the reason for {doing} (at least 5 characters).", "error")
        return go(here)
    return act(lambda: action(form.reason.data or ""), done, here)
