"""What happens to an order that the features above it act on, as signals (blinker, which
Flask ships): orders does not import compounding, costs or labels; they connect here.

Both are sent under the order's row lock, inside the caller's transaction: a receiver works in
the same session, and one that raises WorkflowError refuses the change."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Before an order's prescription may change (an edit, or the check whether one is allowed):
# sent with the order; a receiver raises WorkflowError when something made for the
# prescription as it stands must not be left behind (a fill made or being made).
order_changing = _signals.signal("order-changing")

# As an order is rejected: sent with the order and `reason` and `user`; a receiver ends what
# was made for it (fills not yet dispensed are discarded).
order_rejected = _signals.signal("order-rejected")
