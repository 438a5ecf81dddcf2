"""A label's values as `label_values` gives them, for rendering without a database: one
sample for the label tests and the benchmark (bench/bench_labels.py)."""

from __future__ import annotations

from typing import Any

from pharmacy_app.labels.services import COMPOUNDED_STATEMENT, WARNINGS


def sample_label(n: int = 0, **changes: Any) -> dict[str, Any]:
    """A label's values as label_values gives them, for rendering without a database."""
    return {
        "pharmacy": {
            "name": "Willow Creek Compounding Pharmacy",
            "address": "1420 SE Hawthorne Blvd, Portland, OR 97214",
            "phone": "(503) 555-0142",
        },
        "rx_number": f"RX-{100001 + n}",
        "fill_code": f"{100001 + n}-F01",
        "date_filled": "11/24/2026",
        "patient": f"Patient {n:02d}",
        "prescriber": "Dana Ruiz, MD",
        "drug": "Naltrexone HCl 4.5 mg",
        "form": "capsules, immediate release",
        "directions": "Take 1 capsule (4.5 mg) by mouth at bedtime",
        "auxiliary": (),
        "quantity": "30 capsules",
        "refills": 1,
        "discard_after": "05/23/2027",
        "storage": "Room temperature, 20-25 °C, dry",
        "batch": f"B261124-{n:04d}",
        "compounded": COMPOUNDED_STATEMENT,
        "warnings": WARNINGS,
        "caution": "",  # naltrexone is not scheduled (labels/profiles.py)
    } | changes
