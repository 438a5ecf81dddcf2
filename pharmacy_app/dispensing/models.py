"""Refill requests (who asked for the next fill, how and when) and the patients' auto-refill
opt-ins: a refill is made only when one of them asks for it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, stored_enum
from ..timeutil import utcnow

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..compounding.models import CompoundingRecord
    from ..orders.models import Order


class RefillChannel(StrEnum):
    """How the request reached the pharmacy."""

    COUNTER = "counter"  # the patient (or someone for them) at the counter
    PHONE = "phone"
    API = "api"  # a patient portal or another system, through /api/v1
    AUTO = "auto"  # the auto-refill schedule the patient opted into

    @property
    def label(self) -> str:
        return {
            RefillChannel.COUNTER: "at the counter",
            RefillChannel.PHONE: "by phone",
            RefillChannel.API: "through the API",
            RefillChannel.AUTO: "auto-refill",
        }[self]


class RequestState(StrEnum):
    OPEN = "open"  # asked for, not yet being made
    STARTED = "started"  # its fill was started (record_id)
    CANCELLED = "cancelled"  # withdrawn, with the reason


OPEN_ONE_ONLY = text("state = 'open'")


class RefillRequest(Model):
    """One request for an order's next fill. At most one is open per order (a unique index
    over the open ones), so a request phoned in twice, or an auto-refill run twice, asks once."""

    __tablename__ = "refill_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    channel: Mapped[RefillChannel] = mapped_column(
        stored_enum(RefillChannel, length=10, name="ck_refill_requests_channel")
    )
    # Who asked, as they said it: "patient", "Maria Lopez (daughter)".
    requested_by: Mapped[str] = mapped_column(String(200))
    # Who recorded it; none for the auto-refill schedule.
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_refill_requests_entered_by")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[RequestState] = mapped_column(
        stored_enum(RequestState, length=10, name="ck_refill_requests_state"),
        default=RequestState.OPEN,
    )
    # A request made too soon is kept with the first day it is not (the refill queue shows
    # it from then); none when it was due, or a pharmacist accepted it early.
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    early_reason: Mapped[str | None] = mapped_column(Text)
    early_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_refill_requests_early_by")
    )
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("compounding_records.id", name="fk_refill_requests_record"), index=True
    )
    cancelled_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_refill_requests_cancelled_by")
    )

    order: Mapped[Order] = relationship()
    record: Mapped[CompoundingRecord | None] = relationship()
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    early_by: Mapped[User | None] = relationship(foreign_keys=[early_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])

    __table_args__ = (
        Index(
            "ix_refill_requests_one_open",
            "order_id",
            unique=True,
            sqlite_where=OPEN_ONE_ONLY,
            postgresql_where=OPEN_ONE_ONLY,
        ),
    )

    @property
    def channel_label(self) -> str:
        return self.channel.label


class AutoRefill(Model):
    """A patient's opt-in to auto-refill for one order, recorded by a member of staff: the
    `flask refills auto` run requests each refill as it comes due."""

    __tablename__ = "auto_refills"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), unique=True)
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_auto_refills_enrolled_by")
    )

    order: Mapped[Order] = relationship()
    enrolled_by: Mapped[User | None] = relationship()
