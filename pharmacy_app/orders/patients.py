"""Patients: reused across their orders."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlalchemy import JSON, Date, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow

# Letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "þ": "th", "ı": "i"})
_APOSTROPHES = re.compile(r"[\'’‘`´ʼ.]")
_SEPARATORS = re.compile(r"[^\w]+")


def fold_name(name: str) -> str:
    """A name as it is compared: case and accents folded, apostrophes and full stops dropped,
    hyphens and other marks as spaces ("Núñez-O’Brien" -> "nunez obrien")."""
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_LETTERS))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(_SEPARATORS.sub(" ", _APOSTROPHES.sub("", folded)).split())


class Patient(Model):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    # Folded "last|first" (Patient.fold) in Python, the same on SQLite (whose lower() is ASCII
    # only) and PostgreSQL, to find a returning patient however their name was typed.
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
        """The lookup key of a name: "O’Brien", "O'Brien" and "OBrien" are one key, as are
        "Fernández" and "Fernandez" (see fold)."""
        # Folding can lengthen a name ("ß" -> "ss"): each part keeps to 200 characters.
        return f"{fold_name(last_name)[:200]}|{fold_name(first_name)[:200]}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
