"""Label fixtures: an order taken through verification and a signed-off fill."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.compounding.services import (
    matching_formulations,
    record_weights,
    sign_off,
    start_record,
)
from pharmacy_app.compounding.substitutions import approve_substitution, pending
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.timeutil import pharmacy_today
from tests.fills import lots_scanned


@pytest.fixture
def ready_order(app, api, make_user, token_for, make_document, catalogue):
    """ready_order(**changes) -> id of an order with a signed-off fill, ready for its label."""
    technician, pharmacist = make_user("technician"), make_user("pharmacist")
    checker = app.test_client()
    checker.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(pharmacist)}"

    def make(**changes):
        created = api.post("/api/v1/orders", json=make_document(**changes)).get_json()
        order_id = created["id"]
        # Warnings a pharmacist would accept for these orders (a titration's quantity, a dose
        # that is not whole capsules) are accepted with a reason; blocks stay blocks.
        for finding in created["findings"]:
            if finding["severity"] == "warn":
                checker.post(
                    f"/api/v1/orders/{order_id}/overrides",
                    json={
                        "code": finding["code"],
                        "field": finding["field"],
                        "reason": "confirmed with the prescriber",
                    },
                )
        assert checker.post(f"/api/v1/orders/{order_id}/verification").status_code == 200
        with app.app_context():
            order = db.session.get(Order, order_id)
            tech = db.session.get(User, technician.id)
            record = start_record(order, matching_formulations(order)[0][0], {}, tech)
            db.session.flush()
            pharm = db.session.get(User, pharmacist.id)
            # A vehicle other than the prescribed (the liquids here) is agreed first.
            for substitution in pending(record):
                approve_substitution(
                    record, substitution, "agreed with the prescriber", "Dana Ruiz",
                    pharmacy_today(), pharm,
                )  # fmt: skip
            record_weights(
                record,
                {c.id: c.required for c in record.components},
                tech,
                scanned_lots=lots_scanned(record),
            )
            sign_off(record, pharm)
            db.session.commit()
        return order_id

    return make


def pdf_text(data: bytes) -> tuple[list[str], list[tuple[float, float]]]:
    """Each page's text and size in mm."""
    reader = PdfReader(io.BytesIO(data))
    sizes = [
        (
            round(float(p.mediabox.width) * 25.4 / 72, 1),
            round(float(p.mediabox.height) * 25.4 / 72, 1),
        )
        for p in reader.pages
    ]
    return [" ".join((p.extract_text() or "").split()) for p in reader.pages], sizes


def text_sizes(data: bytes, page: int = 0) -> list[tuple[str, float]]:
    """Each run of text on a page with its size in points (the font size times the text and
    current matrices' scale, as a PDF viewer draws it)."""
    runs: list[tuple[str, float]] = []

    def visit(text, cm, tm, _font, size):
        if text.strip():
            runs.append((" ".join(text.split()), round(size * abs(tm[0]) * abs(cm[0]), 2)))

    PdfReader(io.BytesIO(data)).pages[page].extract_text(visitor_text=visit)
    return runs


def size_of(runs: list[tuple[str, float]], text: str) -> float:
    """The size of the first run that contains `text`."""
    return next(size for run, size in runs if text in run)


def record_for(app, order_id):
    with app.app_context():
        return db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
        ).all()


def latest_fill(app, order_id):
    """The order's latest fill, detached (read after the request that changed it)."""
    with app.app_context():
        record = db.session.scalars(
            select(CompoundingRecord)
            .where(CompoundingRecord.order_id == order_id)
            .order_by(CompoundingRecord.id.desc())
        ).first()
        db.session.expunge(record)
        return record


def flashes(client):
    """The messages the client's next page would show, taken from its session."""
    with client.session_transaction() as session:
        return " ".join(message for _, message in session.pop("_flashes", []))
