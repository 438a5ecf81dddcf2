"""The checker is pure: these fixtures build order documents without an app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pharmacy_app.checks import (
    CheckPolicy,
    CheckResult,
    OrderDocument,
    check_order,
    parse_order_document,
)
from tests.conftest import CLEAN_ORDER, merged

POLICY = CheckPolicy(pharmacy_state="OR")


@pytest.fixture
def order() -> Callable[..., OrderDocument]:
    """order(preparation={"release": "SR"}) -> a parsed clean order with changes."""
    return lambda **overrides: parse_order_document(merged(CLEAN_ORDER, overrides))


@pytest.fixture
def check(order: Callable[..., OrderDocument]) -> Callable[..., CheckResult]:
    """check(policy=..., **overrides) -> the checker's result for a changed clean order."""

    def run(policy: CheckPolicy = POLICY, **overrides: Any) -> CheckResult:
        return check_order(order(**overrides), policy)

    return run


def family(result: CheckResult, name: str) -> list[Any]:
    return [f for f in result.findings if f.code.startswith(name + ".")]
