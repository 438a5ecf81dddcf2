"""An order's label, printed the same way from its page and from the API: the stock asked
for (refused when it is not set up, before anything else), the fill to label (or why there
is none), the print record under the order's lock, then the PDF."""

from __future__ import annotations

from ..accounts.models import User
from ..orders.models import Order
from ..workflow import WorkflowError
from .rendering import render_labels
from .services import Reprint, chosen_stock, label_values, order_label_problem, record_print

REPRINT_REASON_LIMIT = 300


def print_order_label(
    order: Order, stock_asked: str | None, user: User, reprint: Reprint | None = None
) -> bytes:
    """The label PDF of the order's current fill on the stock asked for by id (the default
    stock when none is), recorded as printed; WorkflowError says why not (UnknownStock for a
    stock that is not set up, ReprintUnconfirmed for a dispensed fill's label without the
    reprint's confirmation). The caller commits."""
    if reprint is not None and len(reprint.reason.strip()) > REPRINT_REASON_LIMIT:
        raise WorkflowError(
            f"The reason for the reprint is too long: at most {REPRINT_REASON_LIMIT} characters.",
            "reprint_reason",
        )
    stock = chosen_stock(stock_asked)
    record, problem = order_label_problem(order)
    if problem or record is None:
        raise WorkflowError(problem or "No fill to label.")
    record_print(record, stock, user, reprint=reprint)
    return render_labels([label_values(record)], stock)
