"""Prescribers: reused across the orders they write, found by licence number and state."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..checks.rules.prescriber import state_code
from ..extensions import Model
from ..timeutil import utcnow

_NOT_LICENCE = re.compile(r"[^0-9A-Z]")


def licence_key(written: str) -> str:
    """A licence number as records keep and compare it: letters and digits, upper case
    ("qa-56622", "QA 56622" and "QA56622" are one licence). Upper-casing can lengthen text
    ("ß" -> "SS"): it keeps within the column."""
    return _NOT_LICENCE.sub("", written.upper())[:200]


def state_key(written: str) -> str:
    """A licensing state as records keep and compare it: its USPS code where it reads as a
    state ("California", "Calif." and "CA" are one), else the text in upper case."""
    return state_code(written) or written.strip().upper()[:40]


class Prescriber(Model):
    __tablename__ = "prescribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credential: Mapped[str] = mapped_column(String(200), default="")
    license_number: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(40), default="")
    npi: Mapped[str] = mapped_column(String(20), default="")
    # Where a renewal request is phoned or faxed: the latest order's numbers, as
    # "(503) 555-0142" (phones.py); "" when no order gave one.
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    fax: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        Index("ix_prescribers_license", "license_number", "state"),
        Index("ix_prescribers_name", "name"),
    )
