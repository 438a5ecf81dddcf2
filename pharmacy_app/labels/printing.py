"""An order's label, printed the same way from its page and from the API, as PDF or ZPL: the
stock asked for (refused when it is not set up, before anything else), the fill to label (or
why there is none), the print record under the order's lock, then the PDF or the ZPL (sent
to the stock's printer when asked; a label not sent is not recorded)."""

from __future__ import annotations

from typing import Any

from ..accounts.models import User
from ..extensions import db
from ..orders.models import Order
from ..workflow import WorkflowError, visible_text
from .models import LabelStock
from .printer import Sent, send_to_printer
from .rendering import render_labels
from .services import (
    Reprint,
    chosen_stock,
    label_values,
    order_label_problem,
    record_print,
    stocks_by_name,
)
from .zpl import LabelDoesNotFit, Page, render_zpl

REPRINT_REASON_LIMIT = 300


def print_order_label(
    order: Order, stock_asked: str | None, user: User, reprint: Reprint | None = None
) -> bytes:
    """The label PDF of the order's current fill on the stock asked for by id (the default
    stock when none is), recorded as printed; WorkflowError says why not (UnknownStock for a
    stock that is not set up, ReprintUnconfirmed for a dispensed fill's label without the
    reprint's confirmation). The caller commits."""
    stock = _stock(stock_asked, reprint)
    return render_labels([_printed(order, stock, user, reprint)], stock)


def zpl_order_label(
    order: Order, stock_asked: str | None, user: User, reprint: Reprint | None = None
) -> tuple[str, LabelStock]:
    """The label as ZPL on a roll stock (refused on a sheet), recorded as printed as the PDF
    is, with the stock it is for. The caller commits."""
    stock = _stock(stock_asked, reprint)
    return _zpl(order, stock, user, reprint), stock


def send_order_label(
    order: Order, stock_asked: str | None, user: User, reprint: Reprint | None = None
) -> Sent:
    """The label as ZPL, sent to the stock's network printer and recorded as printed; when it
    cannot be sent (PrinterUnreachable) the caller rolls the record back."""
    stock = _stock(stock_asked, reprint)
    if not stock.is_sheet and not stock.printer_host:
        raise WorkflowError(
            f"{stock.name} has no network printer: an admin sets its host under Label stocks; "
            "meanwhile download the label as ZPL or print it as PDF."
        )
    zpl = _zpl(order, stock, user, reprint)
    db.session.flush()  # the record is sound before the label leaves
    return send_to_printer(stock.printer_host or "", stock.printer_port, zpl)


def _zpl(order: Order, stock: LabelStock, user: User, reprint: Reprint | None) -> str:
    Page.of(stock)  # a sheet is refused before anything is recorded
    return zpl_fitting(_printed(order, stock, user, reprint), stock)


def zpl_fitting(values: dict[str, Any], stock: LabelStock) -> str:
    """The label's ZPL; when it does not fit, the refusal names a roll stock it fits."""
    try:
        return render_zpl([values], stock)
    except LabelDoesNotFit as refused:
        # The smallest roll it fits: a larger label than needed wastes stock.
        for other in sorted(stocks_by_name(), key=lambda s: s.label_width_mm * s.label_height_mm):
            if other.id == stock.id or other.is_sheet:
                continue
            try:
                render_zpl([values], other)
            except WorkflowError:
                continue
            raise LabelDoesNotFit(f"{refused} It fits {other.name}.") from refused
        raise


def _stock(stock_asked: str | None, reprint: Reprint | None) -> LabelStock:
    """The stock asked for, once the reprint's reason is known to be short enough."""
    if reprint is not None:
        visible_text(reprint.reason, "reprint_reason")
    if reprint is not None and len(reprint.reason.strip()) > REPRINT_REASON_LIMIT:
        raise WorkflowError(
            f"The reason for the reprint is too long: at most {REPRINT_REASON_LIMIT} characters.",
            "reprint_reason",
        )
    return chosen_stock(stock_asked)


def _printed(
    order: Order, stock: LabelStock, user: User, reprint: Reprint | None
) -> dict[str, Any]:
    """The label's values of the order's current fill, its print recorded."""
    record, problem = order_label_problem(order)
    if problem or record is None:
        raise WorkflowError(problem or "No fill to label.")
    record_print(record, stock, user, reprint=reprint)
    return label_values(record)
