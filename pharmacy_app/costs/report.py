"""The monthly cost report, computed in SQL (grouped, over an indexed month column)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select

from ..extensions import db
from ..orders.prescribers import Prescriber
from .models import CostRecord
from .services import money

SelectT = TypeVar("SelectT", bound="Select[*tuple[Any, ...]]")
TYPICAL_MONTH = (Decimal(35), Decimal(50))  # US dollars a month (shared/domain/ldn.md)
# What a fill's quantity counts. Units of different kinds are never added together.
UNIT_KINDS = ("capsules", "mL", "g")
UNIT_STEP = Decimal("0.001")  # cost_records.units is NUMERIC(10, 3)
# The months a report can be asked for: wide enough for any pharmacy's history, narrow enough
# that the comparisons (a year back) and the trend stay inside the calendar.
FIRST_MONTH, LAST_MONTH = dt.date(1970, 1, 1), dt.date(2199, 12, 1)
SHOWN_FILLS = 5  # in each of the most and least profitable lists
# A gram denominator in a strength as the amount parser reads it ("0.5 mg/g", "0.5 mg / gm",
# "0.5 mg per gram", "0.5 mg/1 g").
_PER_GRAM = ("/g", "/ g", "/1g", "/1 g", "per g", "per 1g", "per 1 g")


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_in_range(month: dt.date) -> bool:
    return FIRST_MONTH <= month <= LAST_MONTH


def _like(pattern: str, dialect: str) -> ColumnElement[bool]:
    """The preparation matches, in any case, on both databases: SQLite's LIKE ignores ASCII
    case already; PostgreSQL's ILIKE does without lowering every row first."""
    preparation = CostRecord.preparation
    return preparation.ilike(pattern) if dialect == "postgresql" else preparation.like(pattern)


def _capsules(dialect: str) -> ColumnElement[bool]:
    return _like("%capsule", dialect)  # the dosage form ends the preparation


def _grams(dialect: str) -> ColumnElement[bool]:
    return and_(_like("%cream", dialect), or_(*(_like(f"%{p}%", dialect) for p in _PER_GRAM)))


def unit_kind() -> ColumnElement[str]:
    """What a fill's quantity counts, from its frozen preparation ("4.5 mg capsule",
    "1 mg/mL oral liquid", "0.5 mg/g topical cream"): capsules; g for a cream made by weight
    (mg per g); mL for liquids, drops and creams by volume. A cost record keeps no unit of its
    own, so the preparation's words decide, in SQL, for every fill the same way."""
    dialect = db.engine.dialect.name
    return case((_capsules(dialect), "capsules"), (_grams(dialect), "g"), else_="mL")


def _totals_columns() -> tuple[Any, ...]:
    return _totals_columns_for(db.engine.dialect.name)


@lru_cache(maxsize=4)
def _totals_columns_for(dialect: str) -> tuple[Any, ...]:
    # Built once: constructing these expressions on every request cost as much as one of
    # the month's queries.
    c = CostRecord
    return (
        func.count(c.id).label("fills"),
        # Capsules and grams summed apart, mL the rest (see unit_kind): two cheap tests a
        # row, where a sum per kind would read the preparation three times.
        func.coalesce(func.sum(c.units), 0).label("units"),
        func.coalesce(func.sum(case((_capsules(dialect), c.units), else_=0)), 0).label("capsules"),
        func.coalesce(func.sum(case((_grams(dialect), c.units), else_=0)), 0).label("grams"),
        func.coalesce(func.sum(c.ingredient_cost), 0).label("ingredient_cost"),
        func.coalesce(func.sum(c.labour_cost), 0).label("labour_cost"),
        func.coalesce(func.sum(c.fees), 0).label("fees"),
        func.coalesce(func.sum(c.total_cost), 0).label("total_cost"),
        func.coalesce(func.sum(c.price), 0).label("revenue"),
        func.coalesce(func.sum(c.margin), 0).label("margin"),
        func.coalesce(func.sum(c.days_supply), 0).label("days"),
    )


def _in_month(query: SelectT, month: dt.date) -> SelectT:
    return query.where(CostRecord.month_start == month, CostRecord.voided.is_(False))


MONEY_KEYS = ("ingredient_cost", "labour_cost", "fees", "total_cost", "revenue", "margin")


def _figures(row: Any) -> dict[str, Any]:
    units, capsules, grams = (
        Decimal(str(row[key])).quantize(UNIT_STEP) for key in ("units", "capsules", "grams")
    )
    figures: dict[str, Any] = {
        "fills": int(row["fills"]),
        "days": Decimal(str(row["days"])),
        # Per kind, so 240 capsules and 135 mL stay two figures, never "375".
        "units": {"capsules": capsules, "mL": units - capsules - grams, "g": grams},
        **{key: money(Decimal(str(row[key]))) for key in MONEY_KEYS},
    }
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


def _trend(month: dt.date) -> list[tuple[dt.date, dict[str, Any] | None]]:
    """Revenue and cost for the 12 months to `month` (None for a month without fills)."""
    start = add_months(month, -11)
    rows = db.session.execute(
        select(
            CostRecord.month_start,
            func.sum(CostRecord.total_cost).label("total_cost"),
            func.sum(CostRecord.price).label("revenue"),
        )
        .where(
            CostRecord.month_start >= start,
            CostRecord.month_start <= month,
            CostRecord.voided.is_(False),
        )
        .group_by(CostRecord.month_start)
    ).all()
    by_month = {
        first: {"total_cost": money(Decimal(str(cost))), "revenue": money(Decimal(str(revenue)))}
        for first, cost, revenue in rows
    }
    return [(add_months(start, n), by_month.get(add_months(start, n))) for n in range(12)]


@dataclass(frozen=True, slots=True)
class FillFigures:
    """One fill in the most and least profitable lists, as plain values (what the page and
    the PDF print; never the live cost record)."""

    id: int
    local_date: dt.date
    rx_number: str
    batch_number: str
    preparation: str
    total_cost: Decimal
    price: Decimal
    price_overridden: bool
    margin: Decimal


_FILL_COLUMNS = tuple(getattr(CostRecord, f.name) for f in fields(FillFigures))


def _most_and_least_profitable(
    month: dt.date, count: int
) -> tuple[list[FillFigures], list[FillFigures]]:
    """The month's most and least profitable fills, never one fill in both lists: with ten
    fills or fewer the month is split between them (the better half first)."""
    best_count = min(SHOWN_FILLS, (count + 1) // 2)
    worst_count = min(SHOWN_FILLS, count - best_count)
    fills = _in_month(select(*_FILL_COLUMNS), month)
    # The least profitable list reads the month's order from its other end (id descending
    # too), so ties in margin cannot put one fill in both.
    best = fills.order_by(CostRecord.margin.desc(), CostRecord.id).limit(best_count)
    worst = fills.order_by(CostRecord.margin, CostRecord.id.desc()).limit(worst_count)
    return (
        [FillFigures(*row) for row in db.session.execute(best)] if best_count else [],
        [FillFigures(*row) for row in db.session.execute(worst)] if worst_count else [],
    )


def monthly_report(month: dt.date) -> dict[str, Any]:
    """Everything the month's page, CSV and PDF show."""
    if not month_in_range(month):
        raise ValueError(f"{month:%Y-%m} is outside {FIRST_MONTH:%Y-%m} to {LAST_MONTH:%Y-%m}")
    by_preparation = _breakdown(month, CostRecord.preparation)
    by_prescriber = _breakdown(month, CostRecord.prescriber_id)
    names = dict(
        db.session.execute(
            select(Prescriber.id, Prescriber.name).where(
                Prescriber.id.in_([r["key"][0] for r in by_prescriber])
            )
        ).all()
    )
    for row in by_prescriber:
        row["label"] = names.get(row["key"][0], "?")
    totals = month_totals(month)
    previous, year_ago = month_totals(add_months(month, -1)), month_totals(add_months(month, -12))
    best, worst = _most_and_least_profitable(month, totals["fills"])
    return {
        "month": month,
        "totals": totals,
        "previous": previous,
        "year_ago": year_ago,
        # A column for each kind of unit these months dispensed (capsules when none).
        "unit_columns": [
            kind
            for kind in UNIT_KINDS
            if any(figures["units"][kind] for figures in (totals, previous, year_ago))
        ]
        or ["capsules"],
        "by_preparation": [{**r, "label": r["key"][0]} for r in by_preparation],
        "by_prescriber": by_prescriber,
        "by_week": [
            {**r, "label": r["key"][0].isoformat()}
            for r in _breakdown(month, CostRecord.week_start)
        ],
        "trend": _trend(month),
        "best": best,
        "worst": worst,
        "typical": TYPICAL_MONTH,
    }


def month_fills(month: dt.date) -> Any:
    """Every fill of the month with the unit of its quantity, for the CSV, streamed in
    pages."""
    return db.session.execute(
        _in_month(select(CostRecord, unit_kind().label("unit")), month)
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
