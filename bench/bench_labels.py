"""Label rendering beside bare WeasyPrint rendering the same HTML, in the same run, and the
same labels as ZPL (labels/zpl.py) for a Zebra printer.

Targets (issue 5): one label within 1.3x bare WeasyPrint; a batch of 100 labels under 2 s.
Run: .venv/bin/python bench/bench_labels.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from weasyprint import HTML

from pharmacy_app import create_app
from pharmacy_app.labels import rendering
from pharmacy_app.labels.fitting import overflowing
from pharmacy_app.labels.models import PRESETS, LabelStock
from pharmacy_app.labels.zpl import render_zpl
from pharmacy_app.pdf import layout
from tests.labels.samples import sample_label

NAMES = ["Ann Lee", "José Núñez", "Zoë O'Brien", "Nguyễn Thị Mai", "Maximiliana Konstantinopoulou"]
# The printer's resident font prints Latin letters only: Vietnamese is refused on ZPL.
LATIN = [name for name in NAMES if name != "Nguyễn Thị Mai"]


def label(n: int) -> dict[str, Any]:
    return sample_label(n, patient=NAMES[n % len(NAMES)], refills=2)


def best(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times)


def main() -> None:
    folder = tempfile.mkdtemp()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench"}
    )
    stock = LabelStock.from_preset(PRESETS[0])
    one, hundred = [label(0)], [label(n) for n in range(100)]
    with app.test_request_context():
        rendering.render_labels(one, stock)  # warm up fonts and templates
        one_html = rendering._html(one, stock, [1.0])
        batch_html = rendering._html(hundred, stock, [1.0] * 100)

        def bare(html: str) -> None:
            HTML(string=html, base_url="app:///").write_pdf()

        bare_one = best(lambda: bare(one_html), 15)
        app_one = best(lambda: rendering.render_labels(one, stock), 15)
        bare_batch = best(lambda: bare(batch_html), 3)
        app_batch = best(lambda: rendering.render_labels(hundred, stock), 3)
        height = rendering._text_height_px(stock, in_boxes=False)
        fitted = len(overflowing(layout(batch_html), height, len(hundred), in_boxes=False))
    latin = [sample_label(n, patient=LATIN[n % len(LATIN)], refills=2) for n in range(100)]
    zpl_one = best(lambda: render_zpl(latin[:1], stock), 15)
    zpl_batch = best(lambda: render_zpl(latin, stock), 3)
    print(f"{stock.name}; best and median of repeated runs, this machine, {dt.date.today()}")
    print(
        f"  one label:   app {app_one[0] * 1000:6.0f} ms (median {app_one[1] * 1000:.0f})  "
        f"bare WeasyPrint {bare_one[0] * 1000:6.0f} ms (median {bare_one[1] * 1000:.0f})  "
        f"ratio {app_one[0] / bare_one[0]:.2f} (target <= 1.3)"
    )
    print(
        f"  100 labels:  app {app_batch[0]:6.2f} s  (median {app_batch[1]:.2f})   "
        f"bare WeasyPrint {bare_batch[0]:6.2f} s  (median {bare_batch[1]:.2f})  "
        f"ratio {app_batch[0] / bare_batch[0]:.2f}; target < 2 s"
    )
    print(f"  {fitted} of the 100 labels (the longest name) are fitted below full scale")
    print(
        f"  ZPL:         one label {zpl_one[0] * 1000:6.2f} ms (median {zpl_one[1] * 1000:.2f}); "
        f"100 labels {zpl_batch[0] * 1000:6.1f} ms (median {zpl_batch[1] * 1000:.1f}), "
        f"{zpl_batch[0] * 10:.2f} ms a label ({len(render_zpl(latin, stock)):,} bytes)"
    )


if __name__ == "__main__":
    main()
