"""Orders (one prescription each), their check results, and the Rx number counter."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..checks import Verdict
from ..extensions import Model, stored_enum
from ..timeutil import utcnow
from .patients import Patient
from .prescribers import Prescriber

if TYPE_CHECKING:
    from ..accounts.models import User


class OrderStatus(StrEnum):
    """Where an order stands, from entry to the last fill dispensed."""

    DRAFT = "draft"  # saved while information is awaited; not yet sent for verification
    CHECKED = "checked"  # entered and checked: waiting for a pharmacist's verification
    VERIFIED = "verified"
    REJECTED = "rejected"
    COMPOUNDED = "compounded"  # a signed-off compounding record: ready for its label
    # A fill dispensed and refills left: the next one is made when it is requested (the
    # request makes the order verified, to compound, again).
    REFILLABLE = "refillable"
    DISPENSED = "dispensed"  # every fill dispensed: the prescription is closed

    @property
    def label(self) -> str:
        return {
            OrderStatus.CHECKED: "waiting for verification",
            OrderStatus.REFILLABLE: "refills on file",
        }.get(self, self.value)


# Orders whose fills are labelled, printed or reprinted: never a rejected one (its fills are
# discarded) nor one still waiting for verification.
LABELLED_ORDERS = frozenset(
    {
        OrderStatus.VERIFIED,
        OrderStatus.COMPOUNDED,
        OrderStatus.REFILLABLE,
        OrderStatus.DISPENSED,
    }
)
# Orders whose signed-off fill may get its first label and leave the pharmacy: compounded
# (a sign-off makes the order so) or verified (as older records may have it). Never a
# rejected order, nor a closed one.
DISPENSABLE_ORDERS = frozenset({OrderStatus.VERIFIED, OrderStatus.COMPOUNDED})


class Order(Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    rx_number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[OrderStatus] = mapped_column(
        stored_enum(OrderStatus, length=20, name="ck_orders_status"), default=OrderStatus.CHECKED
    )
    verdict: Mapped[Verdict] = mapped_column(
        stored_enum(Verdict, length=10, name="ck_orders_verdict")
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("prescribers.id"), index=True)
    dosage_form: Mapped[str] = mapped_column(String(30))
    release_as_written: Mapped[str] = mapped_column(String(200), default="")
    strength_text: Mapped[str] = mapped_column(String(40))
    # Parsed strength: mg per unit (capsule) or mg per `strength_per` (mL, g) for the rest.
    strength_mg: Mapped[Decimal] = mapped_column(Numeric(14, 6))
    strength_per: Mapped[str | None] = mapped_column(String(20))
    excipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    sig_dose_text: Mapped[str] = mapped_column(String(40))
    times_per_day: Mapped[int] = mapped_column(Integer)
    time_of_day: Mapped[str] = mapped_column(String(200), default="")
    sig_text: Mapped[str] = mapped_column(Text, default="")
    # What it is for, when the prescriber says ("for fibromyalgia"): the label's critical
    # block prints it after the directions (USP <17>, 16 CCR 1707.5).
    purpose: Mapped[str] = mapped_column(String(200), default="", server_default="")
    mg_per_dose: Mapped[Decimal | None] = mapped_column(Numeric(14, 6))
    mg_per_day: Mapped[Decimal | None] = mapped_column(Numeric(14, 6))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    days_supply: Mapped[int] = mapped_column(Integer)
    refills: Mapped[int] = mapped_column(Integer)
    date_written: Mapped[dt.date | None] = mapped_column(Date)
    date_received: Mapped[dt.date] = mapped_column(Date)
    # The validated order document as received, so the order can be re-checked exactly.
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    entered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_orders_entered_by")
    )
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_orders_verified_by")
    )
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )
    overrides: Mapped[list[Override]] = relationship(
        back_populates="order", order_by="Override.id", cascade="all, delete-orphan"
    )
    patient: Mapped[Patient] = relationship(lazy="joined", innerjoin=True)
    prescriber: Mapped[Prescriber] = relationship(lazy="joined", innerjoin=True)
    checks: Mapped[list[OrderCheck]] = relationship(
        back_populates="order", order_by="OrderCheck.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_orders_status_created", "status", "created_at"),)

    @property
    def latest_check(self) -> OrderCheck | None:
        return self.checks[-1] if self.checks else None

    # What may be done next with the order, as its state allows; the services check the
    # same under the order's lock, and the pages ask these rather than restating them.
    @property
    def awaiting_verification(self) -> bool:
        return self.status is OrderStatus.CHECKED

    @property
    def takes_overrides(self) -> bool:
        """Its warnings are decided before verification."""
        return self.status in (OrderStatus.CHECKED, OrderStatus.DRAFT)

    @property
    def compoundable(self) -> bool:
        return self.status is OrderStatus.VERIFIED

    @property
    def reverified_on_change(self) -> bool:
        """A change sends the order back for verification."""
        return self.status is OrderStatus.VERIFIED

    @property
    def offers_rejection(self) -> bool:
        """The page offers to reject it: not rejected yet, nor closed (reject_order refuses a
        dispensed order, saying what to do instead: the page never offers a refused step)."""
        return self.status not in (OrderStatus.REJECTED, OrderStatus.DISPENSED)

    @property
    def labelled(self) -> bool:
        return self.status in LABELLED_ORDERS

    @property
    def dispensable(self) -> bool:
        return self.status in DISPENSABLE_ORDERS

    def verification_hold(self, undecided_warnings: int) -> str | None:
        """Why a pharmacist cannot verify the order yet, in the page's words; None if they can."""
        if self.verdict is Verdict.BLOCK:
            return "Blocked: correct or reject"
        return "Decide the warnings first" if undecided_warnings else None


class OrderCheck(Model):
    """One run of the formulation checker over an order, kept for the order's history."""

    __tablename__ = "order_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ruleset_version: Mapped[str] = mapped_column(String(20))
    verdict: Mapped[Verdict] = mapped_column(
        stored_enum(Verdict, length=10, name="ck_order_checks_verdict")
    )
    findings: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    dose: Mapped[dict[str, str | None]] = mapped_column(JSON)

    order: Mapped[Order] = relationship(back_populates="checks")


class RxCounter(Model):
    """One row holding the last Rx number given; incremented inside each order's
    transaction so numbers are unique and gapless across workers."""

    __tablename__ = "rx_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class OrderEvent(Model):
    """What happened to an order, by whom and when: the order's history."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[Order] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship(lazy="joined")


class Override(Model):
    """A pharmacist's decision to accept a warning, with the reason. It holds while the
    same finding (code, field and message) comes back; a changed finding needs a new one."""

    __tablename__ = "overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    field: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    order: Mapped[Order] = relationship(back_populates="overrides")
    user: Mapped[User] = relationship(lazy="joined")
