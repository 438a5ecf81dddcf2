"""supply rules (being written)."""


def check(document, policy, summary):
    return []
