"""The benchmarks still run against today's code: a signature change in the core must not
leave `bench/` broken until someone next measures."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_checker_benchmark_runs_on_a_few_orders():
    done = subprocess.run(
        [sys.executable, "bench/bench_checker.py", "--orders", "20", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("check_order") == 2


@pytest.mark.parametrize(
    "module", ["bench_api", "bench_costs", "bench_labels", "load_gunicorn", "wsgi_bench"]
)
def test_each_benchmark_imports(module, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    importlib.import_module(f"bench.{module}")
