"""The monthly cost report, computed in SQL (grouped, over an indexed month column)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db
from ..orders.prescribers import Prescriber
from .models import CostRecord
from .services import money

TYPICAL_MONTH = (Decimal(35), Decimal(50))  # US dollars a month (shared/domain/ldn.md)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _totals_columns() -> list[Any]:
    c = CostRecord
    return [
        func.count(c.id).label("fills"),
        func.coalesce(func.sum(c.units), 0).label("units"),
        func.coalesce(func.sum(c.ingredient_cost), 0).label("ingredient_cost"),
        func.coalesce(func.sum(c.labour_cost), 0).label("labour_cost"),
        func.coalesce(func.sum(c.fees), 0).label("fees"),
        func.coalesce(func.sum(c.total_cost), 0).label("total_cost"),
        func.coalesce(func.sum(c.price), 0).label("revenue"),
        func.coalesce(func.sum(c.margin), 0).label("margin"),
        func.coalesce(func.sum(c.days_supply), 0).label("days"),
    ]


def _in_month(query: Select[Any], month: dt.date) -> Select[Any]:
    return query.where(CostRecord.month_start == month, CostRecord.voided.is_(False))


def _figures(row: Any) -> dict[str, Any]:
    figures: dict[str, Any] = {
        key: (Decimal(str(row[key])) if key not in ("fills",) else int(row[key]))
        for key in (
            "fills",
            "units",
            "ingredient_cost",
            "labour_cost",
            "fees",
            "total_cost",
            "revenue",
            "margin",
            "days",
        )
    }
    for key in ("ingredient_cost", "labour_cost", "fees", "total_cost", "revenue", "margin"):
        figures[key] = money(figures[key])
    revenue, days, fills = figures["revenue"], figures["days"], figures["fills"]
    figures["margin_percent"] = money(figures["margin"] / revenue * 100) if revenue else None
    figures["average_price"] = money(revenue / fills) if fills else None
    figures["price_per_30_days"] = money(revenue / days * 30) if days else None
    figures["cost_per_30_days"] = money(figures["total_cost"] / days * 30) if days else None
    return figures


def month_totals(month: dt.date) -> dict[str, Any]:
    row = db.session.execute(_in_month(select(*_totals_columns()), month)).mappings().one()
    return _figures(row)


def _breakdown(month: dt.date, *keys: Any) -> list[dict[str, Any]]:
    query = _in_month(select(*keys, *_totals_columns()), month).group_by(*keys)
    rows = db.session.execute(query.order_by(*keys)).mappings().all()
    return [{"key": tuple(row[k.key] for k in keys), **_figures(row)} for row in rows]


def monthly_report(month: dt.date) -> dict[str, Any]:
    """Everything the month's page, CSV and PDF show."""
    totals = month_totals(month)
    by_prescriber_rows = _breakdown(month, CostRecord.prescriber_id)
    names = dict(
        db.session.execute(
            select(Prescriber.id, Prescriber.name).where(
                Prescriber.id.in_([r["key"][0] for r in by_prescriber_rows])
            )
        ).all()
    )
    for row in by_prescriber_rows:
        row["label"] = names.get(row["key"][0], "?")
    trend_start = add_months(month, -11)
    trend_rows = (
        db.session.execute(
            select(CostRecord.month_start, *_totals_columns())
            .where(
                CostRecord.month_start >= trend_start,
                CostRecord.month_start <= month,
                CostRecord.voided.is_(False),
            )
            .group_by(CostRecord.month_start)
        )
        .mappings()
        .all()
    )
    by_month = {row["month_start"]: _figures(row) for row in trend_rows}
    trend = [
        (add_months(trend_start, n), by_month.get(add_months(trend_start, n))) for n in range(12)
    ]
    fills = _in_month(select(CostRecord), month)
    return {
        "month": month,
        "totals": totals,
        "previous": month_totals(add_months(month, -1)),
        "year_ago": month_totals(add_months(month, -12)),
        "by_preparation": [
            {**r, "label": r["key"][0]} for r in _breakdown(month, CostRecord.preparation)
        ],
        "by_prescriber": by_prescriber_rows,
        "by_week": [
            {**r, "label": r["key"][0].isoformat()}
            for r in _breakdown(month, CostRecord.week_start)
        ],
        "trend": trend,
        "best": db.session.scalars(
            fills.order_by(CostRecord.margin.desc(), CostRecord.id).limit(5)
        ).all(),
        "worst": db.session.scalars(
            fills.order_by(CostRecord.margin, CostRecord.id).limit(5)
        ).all(),
        "typical": TYPICAL_MONTH,
    }


def month_fills(month: dt.date) -> Any:
    """Every fill of the month for the CSV, streamed in pages."""
    return db.session.scalars(
        _in_month(select(CostRecord), month)
        .order_by(CostRecord.local_date, CostRecord.id)
        .execution_options(yield_per=1000)
    )


def trend_svg(trend: list[tuple[dt.date, dict[str, Any] | None]]) -> str:
    """Revenue and cost bars for 12 months, drawn as SVG on the server (so it prints)."""
    width, height, left, bottom = 640, 200, 48, 24
    peak = max(
        [f["revenue"] for _, f in trend if f]
        + [f["total_cost"] for _, f in trend if f]
        + [Decimal(1)]
    )
    step = (width - left) / 12
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Revenue and cost over 12 months" class="trend">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" '
        'stroke="#98a2b3"/>',
        f'<text x="0" y="12" font-size="10">{peak:,.0f}</text>',
    ]
    for n, (month, figures) in enumerate(trend):
        x = left + n * step
        parts.append(f'<text x="{x + 4:.0f}" y="{height - 8}" font-size="9">{month:%b %y}</text>')
        if not figures:
            continue
        for offset, key, colour in ((4, "revenue", "#1d4ed8"), (step / 2, "total_cost", "#b54708")):
            bar = float(figures[key] / peak) * (height - bottom - 16)
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{height - bottom - bar:.1f}" '
                f'width="{step / 2 - 6:.1f}" height="{bar:.1f}" fill="{colour}">'
                f"<title>{key.replace('_', ' ')} {month:%b %Y}: "
                f"{figures[key]}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)
