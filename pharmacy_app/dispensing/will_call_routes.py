"""Will-call pages: the day's view of fills on their way out, and a pharmacist's return of a
fill not collected (to stock, or discarded)."""

from __future__ import annotations

from flask import render_template, url_for
from werkzeug.wrappers import Response

from ..accounts.auth import acting_user, require
from ..accounts.models import Permission
from ..compounding.models import CompoundingRecord, UncollectedDisposition
from ..extensions import db
from ..timeutil import pharmacy_today
from ..views import at_field, commit_or_refuse, go
from ..workflow import WorkflowError
from .forms import ReturnUncollectedForm
from .routes import bp
from .will_call import return_uncollected, will_call


@bp.get("/dispensing/will-call")
@require(Permission.ENTER)
def will_call_page() -> str:
    """Today's will-call: waiting for the final check, ready for pick-up, shipped and picked
    up today, and not collected after WILL_CALL_UNCOLLECTED_DAYS."""
    return _page()


@bp.post("/dispensing/will-call/<int:record_id>/return")
@require(Permission.VERIFY)
def return_fill(record_id: int) -> Response | tuple[str, int]:
    record = db.get_or_404(CompoundingRecord, record_id)
    form = ReturnUncollectedForm()
    batch = record.batch_number

    def page() -> str:
        return _page(form, record_id)

    if not form.validate_on_submit():
        return page(), 422

    def refused(error: WorkflowError) -> tuple[str, int]:
        # At its field with what was typed (422), or, when the fill's state refuses it (it
        # was returned or dispensed meanwhile), as a message saying what happened (409).
        return at_field(form, page)(error), 422 if error.field else 409

    def done(_: object) -> Response:
        how = UncollectedDisposition(form.disposition.data or "").label
        return go(
            url_for("dispensing.will_call_page"),
            f"{batch} {how}: its order waits for the patient to ask for the fill again.",
            303,
        )

    return commit_or_refuse(
        lambda: return_uncollected(
            record, form.disposition.data or "", form.reason.data or "", acting_user()
        ),
        done,
        refused,
    )


def _page(failed: ReturnUncollectedForm | None = None, failed_id: int | None = None) -> str:
    """The page; a return refused is shown again in its fill's row, with what was typed."""
    return render_template(
        "dispensing/will_call.html",
        view=will_call(pharmacy_today()),
        form=ReturnUncollectedForm(formdata=None),
        failed=failed,
        failed_id=failed_id,
    )
