"""Checker throughput on one core: orders checked per second, beside a baseline.

Baseline: validating the same documents into OrderDocuments (pydantic), the step every
interface pays before the checker runs. Run: .venv/bin/python bench/bench_checker.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.orders import order_documents
from pharmacy_app.checks import check_order, parse_order_document
from pharmacy_app.checks.amounts import parse_amount
from pharmacy_app.checks.rules import text

# The checker is given the pharmacy's today; the benchmark's is fixed.
TODAY = dt.date(2026, 12, 4)
parse = partial(parse_order_document, today=TODAY)
check = partial(check_order, today=TODAY)


def _rate(work, items, repeat: int) -> float:
    """Best of `repeat` passes, in items per second."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            work(item)
        best = min(best, time.perf_counter() - started)
    return len(items) / best


def _clear_caches() -> None:
    parse_amount.cache_clear()
    text.normalize.cache_clear()
    text.read.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print(f"{args.orders} varied orders, best of {args.repeat}, one core")
    for label, unique in (
        ("repeating text (a pharmacy's day)", False),
        ("every text unique (cold caches)", True),
    ):
        raw = order_documents(args.orders, unique_text=unique)
        _clear_caches()
        baseline = _rate(parse, raw, args.repeat)
        documents = [parse(d) for d in raw]
        _clear_caches()
        checks = _rate(check, documents, 1 if unique else args.repeat)
        _clear_caches()
        both = _rate(lambda d: check(parse(d)), raw, 1 if unique else args.repeat)
        print(f"\n{label}")
        print(f"  baseline: parse only        {baseline:>10,.0f} orders/s")
        print(f"  check_order                 {checks:>10,.0f} checks/s  (target >= 20,000)")
        print(f"  parse + check               {both:>10,.0f} orders/s")


if __name__ == "__main__":
    main()
