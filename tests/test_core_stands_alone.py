"""The checker is a core that stands alone: importing it loads neither Flask nor SQLAlchemy
(so it can be used by a batch job, a gateway or a notebook without the app)."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_checker_loads_neither_flask_nor_sqlalchemy():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import datetime as dt, sys, pharmacy_app.checks as c; "
            "today = dt.date(2026, 6, 15); "
            "c.check_order(c.parse_order_document({"
            "'patient': {'first_name': 'A', 'last_name': 'B', 'date_of_birth': '1970-01-01'},"
            "'prescriber': {'name': 'C D', 'credential': 'MD', 'license_number': 'MD1',"
            " 'state': 'OR'},"
            "'preparation': {'dosage_form': 'capsule', 'strength': '4.5 mg'},"
            "'sig': {'dose': '1 capsule', 'times_per_day': 1},"
            "'quantity': 30, 'days_supply': 30}, today=today), today=today);"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout
