"""The monthly cost report over 1,000,000 fills, beside the bare SQL that computes the same
figures, in the same run, on SQLite and on PostgreSQL.

The baseline runs, through the database driver alone, the same aggregates the page needs:
the month's totals (units per kind), the previous month's and last year's, the breakdowns by
preparation, prescriber and week, the 12-month trend, and the five best and worst fills.
Targets (issue 6): the page within 1.5x the bare queries and under 1 second. The month's PDF
(the same report through WeasyPrint) is timed too, best of a third as many runs.
Run: .venv/bin/python bench/bench_costs.py [--fills 1000000] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_migrate import upgrade
from sqlalchemy import create_engine, insert, text

from pharmacy_app import create_app
from pharmacy_app.accounts.models import Role
from pharmacy_app.accounts.services import create_user
from pharmacy_app.costs.models import CostRecord
from pharmacy_app.extensions import db
from pharmacy_app.orders.prescribers import Prescriber

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
MONTH = dt.date(2026, 7, 1)
PREPARATIONS = [
    "0.5 mg capsule",
    "1.5 mg capsule",
    "3 mg capsule",
    "4.5 mg capsule",
    "1 mg/mL oral liquid",
    "1 mg/mL sublingual drops",
    "0.5 mg/mL topical cream",
    "0.5 mg/g topical cream",
]


def bare_queries(like: str) -> list[str]:
    """The aggregates the page needs, as SQL text. `like` is the case-insensitive match the
    report uses: LIKE on SQLite, ILIKE on PostgreSQL. Units per kind as the report sums them
    (pharmacy_app/costs/report.py): capsules and grams apart, mL the rest."""
    per_gram = " OR ".join(
        f"preparation {like} '%{p}%'"
        for p in ("/g", "/ g", "/1g", "/1 g", "per g", "per 1g", "per 1 g")
    )
    figures = (
        "count(id), sum(units), "
        f"sum(CASE WHEN preparation {like} '%capsule' THEN units ELSE 0 END), "
        f"sum(CASE WHEN preparation {like} '%cream' AND ({per_gram}) THEN units ELSE 0 END), "
        "sum(ingredient_cost), sum(labour_cost), sum(fees), sum(total_cost), sum(price), "
        "sum(margin), sum(days_supply)"
    )
    return [
        # totals: this month, last month, a year earlier
        *[
            f"SELECT {figures} FROM cost_records WHERE month_start = '{m}' AND voided = false"
            for m in ("2026-07-01", "2026-06-01", "2025-07-01")
        ],
        *[
            f"SELECT {key}, {figures} FROM cost_records WHERE month_start = '2026-07-01' "
            f"AND voided = false GROUP BY {key} ORDER BY {key}"
            for key in ("preparation", "prescriber_id", "week_start")
        ],
        (
            "SELECT month_start, sum(total_cost), sum(price) FROM cost_records "
            "WHERE month_start >= '2025-08-01' AND month_start <= '2026-07-01' "
            "AND voided = false GROUP BY month_start"
        ),
        (
            "SELECT * FROM cost_records WHERE month_start = '2026-07-01' AND voided = false "
            "ORDER BY margin DESC, id LIMIT 5"
        ),
        (
            "SELECT * FROM cost_records WHERE month_start = '2026-07-01' AND voided = false "
            "ORDER BY margin, id DESC LIMIT 5"
        ),
    ]


def fills(count: int, prescriber_ids: list[int], seed: int = 11):
    """`count` fills spread evenly over the eight years to July 2026."""
    rng = random.Random(seed)
    start = dt.date(2018, 8, 1)
    span = (dt.date(2026, 7, 31) - start).days + 1
    for n in range(count):
        local = start + dt.timedelta(days=n * span // count)
        ingredients = Decimal(rng.randint(150, 1600)) / 100
        labour, fees = Decimal("20.00"), Decimal("0.75")
        cost = ingredients + labour + fees
        price = Decimal(rng.randint(3200, 5200)) / 100
        yield {
            "record_id": None,
            "order_id": None,
            "prescriber_id": rng.choice(prescriber_ids),
            "rx_number": f"RX-{n}",
            "batch_number": f"B-{n}",
            "preparation": rng.choice(PREPARATIONS),
            "dispensed_at": dt.datetime.combine(local, dt.time(19), tzinfo=dt.UTC),
            "local_date": local,
            "week_start": local - dt.timedelta(days=local.weekday()),
            "month_start": local.replace(day=1),
            "units": Decimal(30),
            "days_supply": rng.choice([30, 30, 30, 90]),
            "ingredient_cost": ingredients,
            "labour_cost": labour,
            "fees": fees,
            "total_cost": cost,
            "price": price,
            "margin": price - cost,
            "currency": "USD",
            "computed_price": price,
            "price_overridden": False,
            "override_reason": "",
            "voided": False,
            "created_at": dt.datetime.now(dt.UTC),
        }


def load(app, count: int) -> float:
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        create_user("bench", "Bench Pharmacist", Role.PHARMACIST, "amber lantern quietly hums")
        prescribers = [
            Prescriber(
                name=f"Prescriber {n}", credential="MD", license_number=f"L{n}", state="OR", npi=""
            )
            for n in range(12)
        ]
        db.session.add_all(prescribers)
        db.session.commit()
        ids = [p.id for p in prescribers]
        batch: list[dict] = []
        with db.engine.begin() as connection:
            for row in fills(count, ids):
                batch.append(row)
                if len(batch) == 20_000:
                    connection.execute(insert(CostRecord), batch)
                    batch = []
            if batch:
                connection.execute(insert(CostRecord), batch)
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return time.perf_counter() - started


def measure(app, label: str, repeat: int) -> None:
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": "amber lantern quietly hums"})
    url = f"/reports/monthly?month={MONTH:%Y-%m}"
    pdf_url = f"/reports/monthly.pdf?month={MONTH:%Y-%m}"
    assert client.get(url).status_code == 200
    assert client.get(pdf_url).status_code == 200
    with app.app_context():
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        queries = bare_queries("ILIKE" if db.engine.dialect.name == "postgresql" else "LIKE")

        def bare() -> None:
            for query in queries:
                cursor.execute(query)
                cursor.fetchall()

        bare()
        bare_times, page_times, pdf_times = [], [], []
        for _ in range(repeat):
            started = time.perf_counter()
            bare()
            bare_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            page_times.append(time.perf_counter() - started)
        for _ in range(max(3, repeat // 3)):
            started = time.perf_counter()
            assert client.get(pdf_url).status_code == 200
            pdf_times.append(time.perf_counter() - started)
        raw.close()
    b, p, d = min(bare_times), min(page_times), min(pdf_times)
    print(
        f"  {label:10} page {p * 1000:7.1f} ms (median {statistics.median(page_times) * 1000:.1f})"
        f"   bare SQL {b * 1000:7.1f} ms (median {statistics.median(bare_times) * 1000:.1f})"
        f"   ratio {p / b:.2f} (targets: <= 1.5, page < 1000 ms)"
        f"   PDF {d * 1000:7.1f} ms (median {statistics.median(pdf_times) * 1000:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fills", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    print(
        f"{args.fills:,} fills over 8 years; the report for {MONTH:%B %Y}; best of "
        f"{args.repeat} runs each"
    )
    config = {"SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
    if args.only in (None, "sqlite"):
        folder = tempfile.mkdtemp()
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/c.sqlite3"})
        print(f"  SQLite: loaded in {load(app, args.fills):.0f} s")
        measure(app, "SQLite", args.repeat)
    if args.only in (None, "postgres"):
        name = f"pharmacy_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_SERVER + "postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            app = create_app({**config, "SQLALCHEMY_DATABASE_URI": PG_SERVER + name})
            print(f"  PostgreSQL: loaded in {load(app, args.fills):.0f} s")
            measure(app, "PostgreSQL", args.repeat)
            with app.app_context():
                db.engine.dispose()
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
