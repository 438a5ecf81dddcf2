"""The checker is pure: these fixtures build order documents without an app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from pharmacy_app.checks import (
    CheckPolicy,
    CheckResult,
    Finding,
    OrderDocument,
    Severity,
    check_order,
    parse_order_document,
)
from tests.conftest import CLEAN_ORDER, merged

POLICY = CheckPolicy(pharmacy_state="OR")
# The pharmacy's date the checker is given in these tests: never the machine's clock.
TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def order() -> Callable[..., OrderDocument]:
    """order(preparation={"release": "SR"}) -> a parsed clean order with changes."""
    return lambda **overrides: parse_order_document(merged(CLEAN_ORDER, overrides), today=TODAY)


@pytest.fixture
def check(order: Callable[..., OrderDocument]) -> Callable[..., CheckResult]:
    """check(policy=..., **overrides) -> the checker's result for a changed clean order."""

    def run(policy: CheckPolicy = POLICY, **overrides: Any) -> CheckResult:
        return check_order(order(**overrides), policy, today=TODAY)

    return run


def family(result: CheckResult, name: str) -> list[Any]:
    return [f for f in result.findings if f.code.startswith(name + ".")]


# ---------------------------------------------------------------------------------------------
# Contract helpers: assertions at the level of the checker's contract: code family, severity
# and field path.
# ---------------------------------------------------------------------------------------------

FAMILIES = (
    "release",
    "excipient",
    "dose",
    "interaction",
    "contraindication",
    "prescriber",
    "supply",
)

# An oral liquid at the common 1 mg/mL, for preparation overrides.
LIQUID_PREPARATION: dict[str, Any] = {
    "dosage_form": "oral_liquid",
    "strength": "1 mg/mL",
    "excipients": ["purified water", "glycerin"],
}


# The contract tests' names for `order` and `check`: the same baseline, the same checker.
@pytest.fixture
def make_doc(order: Callable[..., OrderDocument]) -> Callable[..., OrderDocument]:
    """make_doc(preparation={"release": "SR"}) -> the parsed baseline order with changes."""
    return order


@pytest.fixture
def checked(check: Callable[..., CheckResult]) -> Callable[..., CheckResult]:
    """checked(policy=..., **overrides) -> check_order() of the changed baseline."""
    return check


def in_family(result: CheckResult, name: str) -> list[Finding]:
    """The findings whose code is `name.<something>`."""
    assert name in FAMILIES, name
    return [f for f in result.findings if f.code.startswith(name + ".")]


def worst(findings: list[Finding]) -> Severity | None:
    """The worst severity among findings, None when there are none."""
    return max((f.severity for f in findings), default=None)


def at_least(findings: list[Finding], severity: Severity) -> list[Finding]:
    return [f for f in findings if f.severity >= severity]


def describe(result: CheckResult) -> str:
    """A readable dump of a result for assertion messages."""
    return "\n".join(
        f"{f.severity.label:5} {f.code:40} {f.field:30} {f.message}" for f in result.findings
    )
