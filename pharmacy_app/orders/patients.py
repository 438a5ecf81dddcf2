"""Patients: reused across their orders."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow


class Patient(Model):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    # Case-folded "last|first" in Python, the same on SQLite (whose lower() is ASCII only)
    # and PostgreSQL, to find a returning patient whatever the case of their name.
    name_key: Mapped[str] = mapped_column(String(401))
    medications: Mapped[list[str]] = mapped_column(JSON, default=list)
    allergies: Mapped[list[str]] = mapped_column(JSON, default=list)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    __table_args__ = (Index("ix_patients_identity", "name_key", "date_of_birth"),)

    @staticmethod
    def key_for(first_name: str, last_name: str) -> str:
        """The lookup key of a name: words case-folded, spacing tidied."""
        return f"{' '.join(last_name.split()).casefold()}|{' '.join(first_name.split()).casefold()}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
