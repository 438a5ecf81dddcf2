"""Finding patients and prescribers by a few letters, for the order form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select

from ..extensions import db
from .patients import Patient, fold_name
from .prescribers import Prescriber, licence_key

LIMIT = 10


def search_patients(text: str) -> list[dict[str, Any]]:
    """Patients whose name contains every word typed, or born on a typed date."""
    text = " ".join(text.replace(",", " ").split())
    if len(text) < 2:
        return []
    query = select(Patient).order_by(Patient.last_name, Patient.first_name).limit(LIMIT)
    born = _date(text)
    if born is not None:
        query = query.where(Patient.date_of_birth == born)
    else:
        query = query.where(
            *(Patient.name_key.contains(w, autoescape=True) for w in fold_name(text).split())
        )
    return [
        {
            "id": p.id,
            "first_name": p.first_name,
            "family_name_first": p.family_name_first,
            "last_name": p.last_name,
            "date_of_birth": p.date_of_birth.isoformat(),
            "medications": p.medications,
            "allergies": p.allergies,
            "conditions": p.conditions,
        }
        for p in db.session.scalars(query)
    ]


def search_prescribers(text: str) -> list[dict[str, Any]]:
    text = text.strip()
    if len(text) < 2:
        return []
    query = (
        select(Prescriber)
        .where(
            or_(
                Prescriber.name.ilike(f"%{_escape(text)}%", escape="\\"),
                Prescriber.license_number.startswith(
                    licence_key(text) or "-"
                ),  # "-": no licence has one
            )
        )
        .order_by(Prescriber.name)
        .limit(LIMIT)
    )
    return [
        {
            "id": p.id,
            "name": p.name,
            "credential": p.credential,
            "license_number": p.license_number,
            "state": p.state,
            "npi": p.npi,
            "phone": p.phone,
            "fax": p.fax,
        }
        for p in db.session.scalars(query)
    ]


def _date(text: str) -> dt.date | None:
    for parse in (dt.date.fromisoformat, lambda t: dt.datetime.strptime(t, "%m/%d/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
