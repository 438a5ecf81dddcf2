"""LDN compounding pharmacy: order entry, formulation checks, compounding, labels, costs.

The package itself imports nothing: `import pharmacy_app.checks` gives the pure checker
without Flask or SQLAlchemy, and the app is built by `create_app` (pharmacy_app/app.py), which
gunicorn (`'pharmacy_app:create_app()'`) and `flask --app pharmacy_app` find here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app (see pharmacy_app.app.create_app)."""
    from .app import create_app as build

    return build(test_config)
