"""Price schedules and frozen cost records (with their lines)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..compounding.models import CompoundingRecord

MONEY = Numeric(12, 2)
WHAT_LENGTH = 200  # cost_lines.what


class PriceSchedule(Model):
    """How a preparation is priced from a date on: a base price for a quantity, or cost plus
    a markup plus a dispensing fee. The newest schedule in effect on the fill's date applies."""

    __tablename__ = "price_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(100), index=True)  # the MFR family
    method: Mapped[str] = mapped_column(String(20))  # "base" or "cost_plus"
    base_price: Mapped[Decimal | None] = mapped_column(MONEY)
    base_quantity: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    markup_percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    dispensing_fee: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CostRecord(Model):
    """What one dispensed fill cost and brought in, frozen when it was dispensed."""

    __tablename__ = "cost_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Empty only for fills brought over from a previous system's history (and the
    # benchmark's generated years), which have no compounding record here.
    record_id: Mapped[int | None] = mapped_column(ForeignKey("compounding_records.id"), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)

    prescriber_id: Mapped[int] = mapped_column(ForeignKey("prescribers.id"))
    rx_number: Mapped[str] = mapped_column(String(20))
    batch_number: Mapped[str] = mapped_column(String(30))
    preparation: Mapped[str] = mapped_column(String(120))  # "4.5 mg capsule"
    dispensed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # The pharmacy's local calendar, fixed at dispensing, so months group the same way on
    # every database: the day, its week (Monday) and its month.
    local_date: Mapped[dt.date] = mapped_column(Date)
    week_start: Mapped[dt.date] = mapped_column(Date)
    month_start: Mapped[dt.date] = mapped_column(Date)
    units: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    days_supply: Mapped[int] = mapped_column(Integer)
    ingredient_cost: Mapped[Decimal] = mapped_column(MONEY)
    labour_cost: Mapped[Decimal] = mapped_column(MONEY)
    fees: Mapped[Decimal] = mapped_column(MONEY)
    total_cost: Mapped[Decimal] = mapped_column(MONEY)
    price: Mapped[Decimal] = mapped_column(MONEY)
    margin: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    computed_price: Mapped[Decimal] = mapped_column(MONEY)
    price_overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    record: Mapped[CompoundingRecord | None] = relationship()
    lines: Mapped[list[CostLine]] = relationship(
        back_populates="cost", order_by="CostLine.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_cost_records_month", "month_start", "voided"),)


class CostLine(Model):
    """One row under a cost record's total: a component from its lot, labour, or a fee."""

    __tablename__ = "cost_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    cost_id: Mapped[int] = mapped_column(ForeignKey("cost_records.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # ingredient, labour, fee
    what: Mapped[str] = mapped_column(String(WHAT_LENGTH))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(10))
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    amount: Mapped[Decimal] = mapped_column(MONEY)

    cost: Mapped[CostRecord] = relationship(back_populates="lines")
