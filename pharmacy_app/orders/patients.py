"""Patients: reused across their orders."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from sqlalchemy import JSON, Boolean, Date, DateTime, Index, String, false
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


def printed_name(first: str, last: str, family_first: bool) -> str:
    if not family_first:
        return f"{first} {last}"
    joiner = "" if _all_cjk(last) and _all_cjk(first) else " "
    return f"{last}{joiner}{first}"


def _all_cjk(text: str) -> bool:
    """Han, kana or Hangul only: names in these scripts are written without spaces."""
    return bool(text) and all(
        "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff" or "\uac00" <= c <= "\ud7af"
        for c in text
    )


class Patient(Model):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    # The family name is written first (王芳, Nguyễn Thị Mai, Kim Min-jun): the name prints
    # in that order on labels and pages.
    family_name_first: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
        """The name as the patient writes it: given name first, or the family name first
        when the record says so (written without a space between CJK names: 王芳)."""
        return printed_name(self.first_name, self.last_name, self.family_name_first)
