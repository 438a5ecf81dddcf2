"""What happens to a fill that the features above compounding act on, as signals (blinker):
compounding does not import dispensing; it connects here.

Sent under the order's row lock, inside the caller's transaction: a receiver works in the same
session, and one that raises WorkflowError refuses the step."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# As a fill's worksheet is made (the record built, not yet stored): sent with the record and
# `user`, `today` (the pharmacy's date) and `early_reason` (a pharmacist's reason for making a
# refill early, or ""). Dispensing refuses a refill nobody requested, or one too soon, and
# links the request to the fill.
fill_starting = _signals.signal("fill-starting")

# Asked by the start page before a refill is made, with the order: a receiver answers True
# when a pharmacist already accepted this refill early (with its request). The page then
# shows no too-soon warning; otherwise it asks for the pharmacist's reason up front.
early_refill_accepted = _signals.signal("early-refill-accepted")
