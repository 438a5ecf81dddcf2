"""The app as gunicorn serves it, plus one bare endpoint returning a fixed JSON body: the
baseline for the API benchmark (same app, same server, same token check, no order work)."""

from __future__ import annotations

from typing import Any

from pharmacy_app import create_app
from pharmacy_app.accounts.auth import authenticate_api_request
from pharmacy_app.extensions import csrf

FIXED = {"verdict": "pass", "findings": [], "dose": {"mg_per_dose": "4.5", "mg_per_day": "4.5"}}

app = create_app()


@app.post("/api/bench/fixed")
@csrf.exempt
def fixed() -> Any:
    refused = authenticate_api_request()
    return refused if refused is not None else FIXED
