"""Prescribers: reused across the orders they write."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class Prescriber(Model):
    __tablename__ = "prescribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credential: Mapped[str] = mapped_column(String(200), default="")
    license_number: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(40), default="")
    npi: Mapped[str] = mapped_column(String(20), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_prescribers_license", "license_number", "state"),
        Index("ix_prescribers_name", "name"),
    )
