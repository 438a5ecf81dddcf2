"""Stock: receiving lots, and a pharmacist's corrections of them (a count, a quarantine, its
release), each recorded with its reason. Fills take stock in services.record_weights."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from ..checks.findings import plain
from ..extensions import db
from ..workflow import WorkflowError, require_pharmacist, require_reason
from .models import AdjustmentKind, Ingredient, Lot, LotAdjustment
from .readings import amount_in

if TYPE_CHECKING:
    from ..accounts.models import User


class LotError(WorkflowError):
    """A lot that cannot be received as entered: `field` says where, for the form."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field)


ALREADY_RECEIVED = "This lot of this ingredient is already received."


def lot_received(ingredient: Ingredient, lot_number: str) -> bool:
    """A lot of this number of the ingredient is in stock records already."""
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(Lot)
            .where(Lot.ingredient_id == ingredient.id, Lot.lot_number == lot_number.strip())
        )
    )


def receive_lot(
    ingredient: Ingredient,
    supplier: str,
    lot_number: str,
    expiry_date: dt.date,
    quantity: Decimal,
    unit_cost: Decimal,
    user: User,
    today: dt.date,
) -> Lot:
    """Add a received lot; refuse a lot already received or already expired."""
    lot_number = lot_number.strip()
    if expiry_date < today:
        raise LotError(
            "expiry_date", f"This lot expired on {expiry_date.isoformat()}: do not receive it."
        )
    if lot_received(ingredient, lot_number):
        raise LotError("lot_number", ALREADY_RECEIVED)
    lot = Lot(
        ingredient=ingredient,
        supplier=supplier.strip(),
        lot_number=lot_number,
        expiry_date=expiry_date,
        quantity_received=quantity,
        on_hand=quantity,
        unit_cost=unit_cost,
        received_by_id=user.id,
    )
    db.session.add(lot)
    return lot


def correct_lot(lot: Lot, action: str, reason: str, counted: str, user: User) -> LotAdjustment:
    """A pharmacist's correction of a lot as its row's form asks: "count" (`counted` is the
    quantity on the shelf, typed in the stock unit), "quarantine" or "release"."""
    if action == "count":
        amount = amount_in(counted.strip(), lot.ingredient.stock_unit)
        if amount is None:
            raise WorkflowError("Enter the quantity counted, as a number.")
        return count_lot(lot, amount, reason, user)
    if action == "quarantine":
        return quarantine_lot(lot, reason, user)
    if action == "release":
        return release_lot(lot, reason, user)
    raise WorkflowError("Choose count, quarantine or release.")


def count_lot(lot: Lot, counted: Decimal, reason: str, user: User) -> LotAdjustment:
    """A pharmacist sets the lot's stock to what was counted on the shelf."""
    _require_pharmacist_and_reason(user, reason)
    if not counted.is_finite() or counted < 0 or counted > Decimal(10) ** 8:
        raise WorkflowError("Enter the quantity counted, 0 or more.")
    return _adjust(lot, AdjustmentKind.COUNT, counted.quantize(Decimal("0.0001")), reason, user)


def quarantine_lot(lot: Lot, reason: str, user: User) -> LotAdjustment:
    """Hold the lot back (a recall, damage, a failed check): it is no longer offered or used."""
    _require_pharmacist_and_reason(user, reason)
    if lot.quarantined:
        raise WorkflowError(f"Lot {lot.lot_number} is already quarantined.")
    lot.quarantined = True
    return _adjust(lot, AdjustmentKind.QUARANTINE, lot.on_hand, reason, user)


def release_lot(lot: Lot, reason: str, user: User) -> LotAdjustment:
    _require_pharmacist_and_reason(user, reason)
    if not lot.quarantined:
        raise WorkflowError(f"Lot {lot.lot_number} is not quarantined.")
    lot.quarantined = False
    return _adjust(lot, AdjustmentKind.RELEASE, lot.on_hand, reason, user)


def _adjust(
    lot: Lot, kind: AdjustmentKind, after: Decimal, reason: str, user: User
) -> LotAdjustment:
    adjustment = LotAdjustment(
        lot=lot,
        kind=kind,
        on_hand_before=lot.on_hand,
        on_hand_after=after,
        reason=reason.strip()[:300],
        user=user,
    )
    lot.on_hand = after
    db.session.add(adjustment)
    return adjustment


def describe(adjustment: LotAdjustment) -> str:
    unit = adjustment.lot.ingredient.stock_unit
    if adjustment.kind is AdjustmentKind.COUNT:
        return (
            f"counted {plain(adjustment.on_hand_after)} {unit} "
            f"(was {plain(adjustment.on_hand_before)} {unit})"
        )
    return adjustment.kind.label


def _require_pharmacist_and_reason(user: User, reason: str) -> None:
    require_pharmacist(user, "Only a pharmacist corrects stock.")
    require_reason(reason, "Give the reason for the correction.")
