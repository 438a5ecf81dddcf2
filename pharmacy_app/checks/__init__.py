"""The formulation checker: a pure core (no Flask, no database) every interface calls."""

from .amounts import Amount, AmountError, parse_amount
from .document import DocumentError, DosageForm, OrderDocument, field_path, parse_order_document
from .engine import RULESET_VERSION, check_order
from .findings import CheckResult, DoseSummary, Finding, Severity, Verdict, verdict_of
from .policy import DEFAULT_POLICY, CheckPolicy
from .rules.contraindication import allergy_to
from .rules.duplicate import OpenOrder
from .rules.on_file import PrescriberOnFile

__all__ = [
    "DEFAULT_POLICY",
    "RULESET_VERSION",
    "Amount",
    "AmountError",
    "CheckPolicy",
    "CheckResult",
    "DocumentError",
    "DosageForm",
    "DoseSummary",
    "Finding",
    "OpenOrder",
    "OrderDocument",
    "PrescriberOnFile",
    "Severity",
    "Verdict",
    "allergy_to",
    "check_order",
    "field_path",
    "parse_amount",
    "parse_order_document",
    "verdict_of",
]
