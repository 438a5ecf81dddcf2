"""Freezing a fill's cost and price at dispensing. Money is Decimal, rounded half up to
cents per line, and every total is the sum of its lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import select

from ..accounts.models import User
from ..compounding.models import CompoundingRecord, MasterFormulation
from ..extensions import db
from ..orders.history import lock_order, record_event
from ..orders.models import Order
from ..settings import settings
from ..timeutil import pharmacy_time
from ..units import convert
from ..workflow import WorkflowError, require_reason
from .models import WHAT_LENGTH, CostLine, CostRecord, PriceSchedule

CENT = Decimal("0.01")
# The largest amount a money column (NUMERIC(12, 2)) holds.
MONEY_LIMIT = Decimal("9999999999.99")


def money(value: Decimal) -> Decimal:
    """Rounded half up to cents. Never raises: an amount too long to round in 28 digits (or
    not a number at all) comes back as it is, so a stored absurd price shows on a page instead
    of breaking it; `freeze_cost` refuses to record such an amount."""
    try:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return value


def _component_line(ingredient: str, lot_number: str) -> str:
    """The line's text, "Naltrexone HCl (lot L-1)", within its column: a long ingredient name
    is cut short before the lot number is."""
    lot = f" (lot {lot_number})"[:WHAT_LENGTH]
    return ingredient[: WHAT_LENGTH - len(lot)] + lot


def cost_lines(record: CompoundingRecord) -> list[CostLine]:
    """The fill's cost, line by line: each component at its lot's unit cost, the labour of
    the formula's minutes at the hourly rate, and the per-fill fees."""
    configured = settings()
    lines = []
    for component in record.components:
        if not component.from_stock:
            continue  # a weighing of what another component took (the tablets' aliquot)
        lot = component.lot
        used = component.actual if component.actual is not None else component.required
        stock_quantity = convert(used, component.unit, lot.ingredient.stock_unit)
        lines.append(
            CostLine(
                kind="ingredient",
                what=_component_line(lot.ingredient.name, lot.lot_number),
                quantity=stock_quantity,
                unit=lot.ingredient.stock_unit,
                unit_cost=lot.unit_cost,
                amount=money(stock_quantity * lot.unit_cost),
            )
        )
    rate = configured.labour_rate_per_hour
    minutes = Decimal(record.mfr.labour_minutes)
    lines.append(
        CostLine(
            kind="labour",
            what=f"Labour, {minutes} min at {rate}/h",
            quantity=minutes,
            unit="min",
            unit_cost=money(rate / 60),
            amount=money(minutes * rate / 60),
        )
    )
    fee = configured.fees_per_fill
    lines.append(
        CostLine(
            kind="fee",
            what="Label, bag and patient sheet",
            quantity=Decimal(1),
            unit="each",
            unit_cost=fee,
            amount=money(fee),
        )
    )
    return lines


def preparation_names(families: Iterable[str]) -> dict[str, str]:
    """Each formula family's name as the pharmacy reads it ("Naltrexone 4.5 mg capsules, MCC,
    size 1"): its current version's, else its newest's."""
    rows = db.session.execute(
        select(MasterFormulation.family, MasterFormulation.name)
        .where(MasterFormulation.family.in_(list(families)))
        .order_by(MasterFormulation.is_current, MasterFormulation.version)
    ).all()
    return {family: name for family, name in rows}  # the last one read wins


def schedule_for(family: str, on: dt.date) -> PriceSchedule | None:
    return db.session.scalars(
        select(PriceSchedule)
        .where(PriceSchedule.family == family, PriceSchedule.effective_from <= on)
        .order_by(PriceSchedule.effective_from.desc(), PriceSchedule.id.desc())
        .limit(1)
    ).first()


def computed_price(record: CompoundingRecord, lines: list[CostLine], on: dt.date) -> Decimal:
    """The price the schedule in effect gives; cost plus markup plus fee by default."""
    configured = settings()
    ingredients = sum((line.amount for line in lines if line.kind == "ingredient"), Decimal(0))
    labour = sum((line.amount for line in lines if line.kind == "labour"), Decimal(0))
    schedule = schedule_for(record.mfr.family, on)
    if schedule is not None and schedule.method == "base" and schedule.base_price is not None:
        quantity = schedule.base_quantity or record.order.quantity or Decimal(1)
        return money(
            schedule.base_price * record.order.quantity / quantity + schedule.dispensing_fee
        )
    markup = (
        schedule.markup_percent
        if schedule and schedule.markup_percent is not None
        else configured.default_markup_percent
    )
    fee = schedule.dispensing_fee if schedule else configured.default_dispensing_fee
    return money(ingredients * (1 + markup / 100) + labour + fee)


def void_charge(cost: CostRecord, reason: str, user: User) -> None:
    """A pharmacist voids a refunded fill's charge, under its order's row lock (two people
    voiding it at once void it once), and the order's history says why."""
    order = db.session.get(Order, cost.order_id) if cost.order_id else None
    if order is not None:
        lock_order(order)
    db.session.refresh(cost)
    void_cost(cost, reason)
    if order is not None:
        record_event(order, user, "voided", f"{cost.batch_number}: {reason.strip()}")


def void_cost(cost: CostRecord, reason: str) -> None:
    """A refunded or voided fill leaves the month's figures; its record stays, marked."""
    if cost.voided:
        raise WorkflowError("This fill is already voided.")
    reason = require_reason(reason, "Give the reason for voiding the fill.")
    cost.voided = True
    cost.override_reason = (cost.override_reason + " | " if cost.override_reason else "") + (
        f"Voided: {reason.strip()}"
    )


def freeze_cost(
    record: CompoundingRecord,
    dispensed_at: dt.datetime,
    price_override: Decimal | None = None,
    reason: str = "",
) -> CostRecord:
    """The fill's cost record, made once at dispensing and never recomputed."""
    if price_override is not None:
        reason = require_reason(reason, "Give the reason for changing the price.", "price_reason")
    if price_override is not None and price_override < 0:
        raise WorkflowError("A price cannot be negative.")
    local = pharmacy_time(dispensed_at).date()
    lines = cost_lines(record)
    price = computed_price(record, lines, local)
    total = {
        kind: sum((line.amount for line in lines if line.kind == kind), Decimal(0))
        for kind in ("ingredient", "labour", "fee")
    }
    charged = money(price_override) if price_override is not None else price
    all_costs = total["ingredient"] + total["labour"] + total["fee"]
    for what, amount in (("price", price), ("charged price", charged), ("cost", all_costs)):
        if not (amount.is_finite() and abs(amount) <= MONEY_LIMIT):
            raise WorkflowError(
                f"The {what} of this fill ({amount}) is more than a cost record can hold: "
                "check the preparation's price schedule and the lots' unit costs."
            )
    order = record.order
    cost = CostRecord(
        record=record,
        order_id=order.id,
        prescriber_id=order.prescriber_id,
        rx_number=order.rx_number,
        batch_number=record.batch_number,
        preparation=f"{order.strength_text} {order.dosage_form.replace('_', ' ')}",
        dispensed_at=dispensed_at,
        local_date=local,
        week_start=local - dt.timedelta(days=local.weekday()),
        month_start=local.replace(day=1),
        units=order.quantity,
        days_supply=order.days_supply,
        ingredient_cost=total["ingredient"],
        labour_cost=total["labour"],
        fees=total["fee"],
        total_cost=all_costs,
        price=charged,
        margin=charged - all_costs,
        currency=settings().currency,
        computed_price=price,
        price_overridden=price_override is not None,
        override_reason=reason.strip(),
        lines=lines,
    )
    db.session.add(cost)
    return cost


def charges_of(records: Iterable[CompoundingRecord]) -> dict[int | None, CostRecord]:
    """The frozen charge of each of these fills that was dispensed, by fill id."""
    ids = [r.id for r in records]
    return {
        c.record_id: c
        for c in db.session.scalars(select(CostRecord).where(CostRecord.record_id.in_(ids)))
    }


def prices_due(records: Iterable[CompoundingRecord], on: dt.date) -> dict[int, Decimal]:
    """The price each signed-off fill not yet dispensed would be charged on `on`, by fill id."""
    return {r.id: computed_price(r, cost_lines(r), on) for r in records if r.awaiting_dispensing}
