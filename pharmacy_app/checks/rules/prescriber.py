"""prescriber rules (being written)."""


def check(document, policy):
    return []
