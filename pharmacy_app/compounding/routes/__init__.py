"""Compounding pages, on one blueprint: stock (ingredients and lots), formulas (master
formulation records) and records (fills: start, weights, decisions, sign-off, discard)."""

from flask import Blueprint

bp = Blueprint("compounding", __name__, url_prefix="/compounding")

from . import expiry, formulas, records, stock  # noqa: E402  (each registers its views on bp)

__all__ = ["bp", "expiry", "formulas", "records", "stock"]
