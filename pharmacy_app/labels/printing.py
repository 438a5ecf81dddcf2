"""An order's label, printed the same way from its page and from the API: the stock asked
for (refused when it is not set up, before anything else), the fill to label (or why there
is none), the print record under the order's lock, then the PDF."""

from __future__ import annotations

from ..accounts.models import User
from ..orders.models import Order
from ..workflow import WorkflowError
from .rendering import render_labels
from .services import chosen_stock, label_values, order_label_problem, record_print


def print_order_label(order: Order, stock_asked: str | None, user: User) -> bytes:
    """The label PDF of the order's current fill on the stock asked for by id (the default
    stock when none is), recorded as printed; WorkflowError says why not (UnknownStock for a
    stock that is not set up). The caller commits."""
    stock = chosen_stock(stock_asked)
    record, problem = order_label_problem(order)
    if problem or record is None:
        raise WorkflowError(problem or "No fill to label.")
    record_print(record, stock, user)
    return render_labels([label_values(record)], stock)
