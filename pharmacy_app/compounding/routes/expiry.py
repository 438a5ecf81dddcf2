"""Expired fills: the "to discard" list, a pharmacist's discard from it, and a pharmacist's
acceptance of a supply the BUD cuts short when the fill is handed over."""

from __future__ import annotations

from flask import flash, render_template, url_for
from werkzeug.wrappers import Response

from ...accounts.auth import acting_user, require
from ...accounts.models import Permission
from ...extensions import db
from ...timeutil import pharmacy_today
from ...views import act, go
from ..expiry import accept_short_supply, to_discard
from ..forms import AcceptSupplyForm, DiscardForm
from ..models import CompoundingRecord
from ..services import discard
from . import bp


@bp.get("/to-discard")
def to_discard_list() -> str:
    """Fills still in the pharmacy whose beyond-use date has passed, to be discarded."""
    return render_template(
        "compounding/to_discard.html",
        records=to_discard(pharmacy_today()),
        discard_form=DiscardForm(),
    )


@bp.post("/to-discard/<int:record_id>")
@require(Permission.VERIFY)
def discard_expired(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    here = url_for("compounding.to_discard_list")
    form = DiscardForm()
    if not form.validate_on_submit():
        flash("Give the reason for discarding (at least 5 characters).", "error")
        return go(here)
    return act(
        lambda: discard(found, form.reason.data or "", acting_user()),
        f"{found.batch_number} discarded.",
        here,
    )


@bp.post("/records/<int:record_id>/short-supply")
@require(Permission.VERIFY)
def short_supply(record_id: int) -> Response:
    found = db.get_or_404(CompoundingRecord, record_id)
    here = url_for("compounding.record", record_id=found.id)
    form = AcceptSupplyForm()
    if not form.validate_on_submit():
        flash("Give the reason for accepting the shorter supply (at least 5 characters).", "error")
        return go(here)
    return act(
        lambda: accept_short_supply(found, form.reason.data or "", acting_user(), pharmacy_today()),
        f"Shorter supply of {found.batch_number} accepted: it may be labelled and dispensed.",
        here,
    )
