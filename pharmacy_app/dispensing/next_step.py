"""The one next step an order's page offers, for the order's state and the user's role: enter,
verify, compound, continue or sign off the open fill, print its label, check and release it,
hand it over, request a refill, renew the prescription. The page shows that step's button
and no button that would be refused (issue 11: "It never shows a button that will refuse").

`next_step` reads the order, its current fill and what the page already knows of them; the
template turns the step into its link or form (orders/_next_step.html)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..accounts.models import Permission, User
from ..compounding.expiry import FillMark
from ..compounding.models import CompoundingRecord, RecordStatus
from ..compounding.refill_timing import TooSoon
from ..orders.models import DISPENSABLE_ORDERS, Order, OrderStatus


class Step(StrEnum):
    COMPLETE_ENTRY = "complete_entry"  # a draft: finish and send it for verification
    VERIFY = "verify"  # a pharmacist verifies (or rejects)
    AWAIT_VERIFICATION = "await_verification"  # a technician waits for the pharmacist
    COMPOUND = "compound"  # start the fill's worksheet
    REFILL_NOT_DUE = "refill_not_due"  # requested too soon: made from its due date
    DECIDE_SUBSTITUTION = "decide_substitution"  # a pharmacist approves it or discards
    AWAIT_SUBSTITUTION = "await_substitution"  # a technician waits for that decision
    CONTINUE_FILL = "continue_fill"  # record the open fill's weights
    SIGN_OFF = "sign_off"  # a pharmacist signs the weighed fill off
    AWAIT_SIGNOFF = "await_signoff"  # a technician waits for the sign-off
    DISCARD = "discard"  # the fill has expired: a pharmacist discards it
    DECIDE_SUPPLY = "decide_supply"  # its BUD cuts the supply short: accept or discard
    PRINT_LABEL = "print_label"
    FINAL_CHECK = "final_check"  # scan the label and container, a pharmacist releases
    DISPENSE = "dispense"  # scan the bag label, record the pick-up or shipment
    REQUEST_REFILL = "request_refill"
    RENEW = "renew"  # the prescription has expired or has no refills left


@dataclass(frozen=True, slots=True)
class NextStep:
    step: Step
    record: CompoundingRecord | None  # the fill it concerns, when it concerns one
    note: str = ""  # what the page says with it, in a pharmacist's words

    @property
    def is_action(self) -> bool:
        """A button or link the user can take now (not a step waiting for someone else)."""
        return self.step not in (
            Step.AWAIT_VERIFICATION,
            Step.AWAIT_SIGNOFF,
            Step.AWAIT_SUBSTITUTION,
            Step.REFILL_NOT_DUE,
        )


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the order's page has worked out about the order, which the step depends on."""

    current: CompoundingRecord | None  # the latest fill not discarded
    labelled: bool  # the current fill's label has been printed
    mark: FillMark | None  # the current fill's expiry mark
    renewal: str | None  # why the prescriber should renew it (expired, no refills left)
    prescription_expired: bool
    can_request: bool  # a refill request can be recorded now
    too_soon: TooSoon | None  # an open request's refill, judged today


def next_step(order: Order, facts: OrderFacts, user: User) -> NextStep | None:
    """The step this user can take next on the order, or the one it waits for; None when
    nothing is left to do (rejected, or closed with nothing to renew)."""
    status = OrderStatus(order.status)
    if status is OrderStatus.REJECTED:
        return None
    if status is OrderStatus.DRAFT:
        return _for(user, Permission.ENTER, NextStep(Step.COMPLETE_ENTRY, None))
    if status is OrderStatus.CHECKED:
        if user.can(Permission.VERIFY):
            return NextStep(Step.VERIFY, None)
        return NextStep(Step.AWAIT_VERIFICATION, None)
    fill = facts.current
    if fill is not None and fill.dispensed_at is None:
        return _for_open_fill(order, fill, facts, user)
    # No fill in the pharmacy: the next one is made, asked for, or renewed.
    if facts.prescription_expired or (status is not OrderStatus.VERIFIED and facts.renewal):
        return _for(user, Permission.ENTER, NextStep(Step.RENEW, None, facts.renewal or ""))
    if status is OrderStatus.VERIFIED:
        if facts.too_soon is not None and not user.can(Permission.VERIFY):
            return NextStep(Step.REFILL_NOT_DUE, None, facts.too_soon.message)
        return _for(user, Permission.ENTER, NextStep(Step.COMPOUND, None))
    if status is OrderStatus.REFILLABLE and facts.can_request:
        return _for(user, Permission.ENTER, NextStep(Step.REQUEST_REFILL, None))
    return None


def _for_open_fill(
    order: Order, fill: CompoundingRecord, facts: OrderFacts, user: User
) -> NextStep | None:
    """The step for a fill made or being made and not yet handed over."""
    pharmacist = user.can(Permission.VERIFY)
    if fill.status in (RecordStatus.IN_PROGRESS, RecordStatus.AWAITING_SIGNOFF) and (
        fill.substitution_pending
    ):
        return NextStep(Step.DECIDE_SUBSTITUTION if pharmacist else Step.AWAIT_SUBSTITUTION, fill)
    if fill.status is RecordStatus.IN_PROGRESS:
        return _for(user, Permission.ENTER, NextStep(Step.CONTINUE_FILL, fill))
    if fill.status is RecordStatus.AWAITING_SIGNOFF:
        return NextStep(Step.SIGN_OFF if pharmacist else Step.AWAIT_SIGNOFF, fill)
    if fill.status is not RecordStatus.SIGNED_OFF or order.status not in DISPENSABLE_ORDERS:
        return None
    if facts.mark is not None and facts.mark.code == "expired":
        return NextStep(Step.DISCARD, fill, facts.mark.text)
    if facts.mark is not None:
        return NextStep(Step.DECIDE_SUPPLY, fill, facts.mark.text)
    if facts.prescription_expired:
        return _for(user, Permission.ENTER, NextStep(Step.RENEW, None, facts.renewal or ""))
    if not facts.labelled:
        return _for(user, Permission.ENTER, NextStep(Step.PRINT_LABEL, fill))
    if fill.released_at is None:
        return _for(user, Permission.ENTER, NextStep(Step.FINAL_CHECK, fill))
    return _for(user, Permission.ENTER, NextStep(Step.DISPENSE, fill))


def _for(user: User, permission: Permission, step: NextStep) -> NextStep | None:
    """The step, for a user allowed to take it (a read-only user is offered none)."""
    return step if user.can(permission) else None
