"""The bounded load test (bench/load_gunicorn.py) as a test, run only when asked:
`scripts/test -m load`. Gunicorn with 4 workers on a throwaway PostgreSQL database, orders
posted from 8 threads on loopback, one worker killed with SIGKILL mid-load."""

from __future__ import annotations

import pytest

from bench.load_gunicorn import report, run

pytestmark = [pytest.mark.load]


def test_a_worker_killed_under_load_loses_no_answered_order_and_stores_none_twice(pg_url):
    result = run(pg_url, requests=400, threads=8, workers=4, max_seconds=60)
    print(report(result))
    orders = result["phases"]["POST /api/v1/orders"]
    audit = result["audit"]
    assert audit["problems"] == []
    assert len(orders["killed_pids"]) == 1
    assert orders["workers_after"] == 4  # the master replaced the killed worker
    assert audit["answered_201"] > 400 // 3  # orders went on being stored after the kill
    assert audit["rows"] - audit["answered_201"] <= audit["cut"]
