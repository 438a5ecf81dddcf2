"""The pharmacist's decisions on an order: override a warning, verify, reject.

Every function checks the order's state here on the server; the views and the API only
check the role and report a WorkflowError."""

from __future__ import annotations

from typing import Any

from ..accounts.models import User
from ..accounts.services import pharmacy_settings
from ..checks import Verdict
from ..timeutil import utcnow
from ..workflow import WorkflowError, require_pharmacist, require_reason
from .history import lock_order, record_event
from .models import Order, OrderStatus, Override
from .signals import order_rejected


def latest_findings(order: Order) -> list[dict[str, Any]]:
    check = order.latest_check
    return list(check.findings) if check else []


def override_for(order: Order, finding: dict[str, Any]) -> Override | None:
    """The override that accepts this very finding, if any."""
    for override in order.overrides:
        if (override.code, override.field, override.message) == (
            finding["code"],
            finding["field"],
            finding["message"],
        ):
            return override
    return None


def outstanding_warnings(order: Order) -> list[dict[str, Any]]:
    return [
        f
        for f in latest_findings(order)
        if f["severity"] == "warn" and override_for(order, f) is None
    ]


def require_unchanged(order: Order, seen_check_id: int | None) -> None:
    """Refuse a decision made on a page showing an older check of the order: someone edited
    it since, and the pharmacist must see what they decide on."""
    check = order.latest_check
    if seen_check_id is not None and check is not None and check.id != seen_check_id:
        raise WorkflowError(
            "This order changed since you opened it (it was edited and checked again). "
            "Review it as it is now, then decide."
        )


def override_warning(
    order: Order,
    code: str,
    field: str,
    reason: str,
    user: User,
    seen_check_id: int | None = None,
) -> Override:
    """Accept one warning of the latest check, with the pharmacist's reason."""
    require_pharmacist(user)
    lock_order(order)
    require_unchanged(order, seen_check_id)
    if not order.takes_overrides:
        raise WorkflowError(
            f"The order is {order.status}; warnings are decided before verification."
        )
    finding = next(
        (f for f in latest_findings(order) if f["code"] == code and f["field"] == field), None
    )
    if finding is None:
        raise WorkflowError("That finding is not in the order's latest check.")
    if finding["severity"] == "block":
        raise WorkflowError("A block cannot be overridden: correct the order or reject it.")
    if finding["severity"] != "warn":
        raise WorkflowError("Only warnings need a pharmacist's decision.")
    reason = require_reason(reason, "Give the reason for accepting this warning.")
    existing = override_for(order, finding)
    if existing is not None:
        return existing
    override = Override(
        code=code, field=field, message=finding["message"], reason=reason.strip(), user=user
    )
    order.overrides.append(override)
    record_event(order, user, "overridden", f"{code} at {field}: {reason.strip()}")
    return override


def verify_order(order: Order, user: User, seen_check_id: int | None = None) -> None:
    """A pharmacist's sign-off: no block, every warning decided, not their own entry unless
    the pharmacy allows it, and the order as the pharmacist last saw it."""
    require_pharmacist(user)
    lock_order(order)
    require_unchanged(order, seen_check_id)
    if not order.awaiting_verification:
        raise WorkflowError(
            f"Only an order waiting for verification can be verified; this "
            f"one is {order.status.label}."
        )
    if order.verdict is Verdict.BLOCK:
        raise WorkflowError("The order is blocked: correct it or reject it.")
    pending = outstanding_warnings(order)
    if pending:
        raise WorkflowError(
            f"{len(pending)} warning(s) need a decision first: "
            + ", ".join(f["code"] for f in pending)
            + "."
        )
    if user.id in _authors(order) and not pharmacy_settings().allow_self_verification:
        raise WorkflowError(
            "You entered or changed this order: another pharmacist must verify it "
            "(an admin can allow self-verification for single-pharmacist "
            "stores)."
        )
    order.status = OrderStatus.VERIFIED
    order.verified_by, order.verified_at = user, utcnow()
    record_event(order, user, "verified", f"Verified with check verdict {order.verdict}")


def reject_order(order: Order, reason: str, user: User, seen_check_id: int | None = None) -> None:
    """A pharmacist stops the prescription: its fills not yet dispensed are discarded with it,
    and no refill follows. A closed (fully dispensed) prescription is not rejected: a refund
    is a void of the fill's charge. Like a verification, it is refused when made on a page
    showing an older check of the order."""
    require_pharmacist(user)
    lock_order(order)
    require_unchanged(order, seen_check_id)
    if order.status == OrderStatus.REJECTED:
        raise WorkflowError("The order is already rejected.")
    if order.status == OrderStatus.DISPENSED:
        raise WorkflowError(
            "This prescription is dispensed and closed. To refund a fill, void its charge on "
            "this page; to stop a patient's therapy, tell the prescriber."
        )
    reason = require_reason(reason, "Give the reason for rejecting the order.")
    order_rejected.send(order, reason=reason.strip(), user=user)
    order.status = OrderStatus.REJECTED
    order.verified_by, order.verified_at = None, None
    record_event(order, user, "rejected", reason.strip())


def _authors(order: Order) -> set[int]:
    """Everyone who entered or changed the prescription: none of them may verify it alone."""
    authors = {e.user_id for e in order.events if e.kind in ("created", "edited") and e.user_id}
    return authors | ({order.entered_by_id} if order.entered_by_id else set())
