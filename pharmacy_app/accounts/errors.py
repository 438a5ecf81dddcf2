"""The accounts feature's error: a request that cannot be done, said for the person."""

from __future__ import annotations

from ..workflow import WorkflowError


class AccountError(WorkflowError):
    """A request about accounts that cannot be done, with a message for the person."""
