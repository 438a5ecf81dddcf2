"""An order's titration schedule, read from its directions as the checker reads them
(checks/titration.py): the order page shows it, and a titration is not refilled."""

from __future__ import annotations

from ..checks import Amount, DosageForm
from ..checks import titration as titrations
from .models import Order


def schedule_of(order: Order) -> tuple[titrations.ScheduleStep, ...]:
    """The steps of the order's titration; empty when its directions are not one."""
    return titrations.schedule(
        order.sig_text,
        DosageForm(order.dosage_form),
        Amount(order.strength_mg, "mg", "mg", per=order.strength_per),
        order.times_per_day,
    )
