"""dose rules (being written)."""
from ..findings import DoseSummary


def check(document, policy):
    return DoseSummary(), []
