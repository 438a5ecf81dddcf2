"""The work queue: orders waiting for verification first (oldest first), then the rest."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, case, false, func, or_, select

from ..extensions import db
from .forms import QueueFilterForm
from .models import Order, OrderStatus
from .patients import Patient, fold_name
from .prescribers import Prescriber, licence_key

PAGE_SIZE = 25


def queue_query(filters: QueueFilterForm) -> Select[Order]:
    query = select(Order).join(Order.patient).join(Order.prescriber)
    if filters.status.data:
        try:
            query = query.where(Order.status == OrderStatus(filters.status.data))
        except ValueError:  # a status no order has (a hand-edited URL): nothing matches
            query = query.where(false())
    if filters.rx.data:
        rx = filters.rx.data.strip().upper()
        query = query.where(Order.rx_number.contains(rx, autoescape=True))
    if filters.patient.data:
        parts = [
            Patient.name_key.contains(word, autoescape=True)
            for word in fold_name(filters.patient.data).split()
        ]
        query = query.where(*parts)
    if filters.prescriber.data:
        text = filters.prescriber.data.strip()
        query = query.where(
            or_(
                func.lower(Prescriber.name).contains(text.lower(), autoescape=True),
                Prescriber.license_number == licence_key(text),
            )
        )
    if filters.received_from.data:
        query = query.where(Order.date_received >= filters.received_from.data)
    if filters.received_to.data:
        query = query.where(Order.date_received <= filters.received_to.data)
    # Work still to do comes first and oldest first (verification, then compounding and
    # labelling); finished orders follow, newest first.
    stage = case(
        (Order.status == OrderStatus.CHECKED, 0),
        (Order.status.in_((OrderStatus.VERIFIED, OrderStatus.COMPOUNDED)), 1),
        else_=2,
    )
    to_do = Order.status.in_(OPEN_WORK)
    return query.order_by(
        stage,
        case((to_do, Order.created_at), else_=None).asc().nulls_last(),
        Order.created_at.desc(),
        Order.id.desc(),
    )


OPEN_WORK = (OrderStatus.CHECKED, OrderStatus.VERIFIED, OrderStatus.COMPOUNDED)


def status_counts() -> dict[OrderStatus, int]:
    rows = db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
    counts = dict.fromkeys(OrderStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


def page_of(filters: QueueFilterForm, page: int) -> Any:
    return db.paginate(queue_query(filters), page=page, per_page=PAGE_SIZE, error_out=False)
