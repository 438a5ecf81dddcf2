"""The app as gunicorn serves it, plus one bare endpoint returning a fixed JSON body: the
baseline for the API benchmark (same app, same server, same middleware)."""

from __future__ import annotations

from pharmacy_app import create_app
from pharmacy_app.extensions import csrf

FIXED = {"verdict": "pass", "findings": [], "dose": {"mg_per_dose": "4.5", "mg_per_day": "4.5"}}

app = create_app()


@app.post("/bench/fixed")
@csrf.exempt
def fixed() -> dict[str, object]:
    return FIXED
