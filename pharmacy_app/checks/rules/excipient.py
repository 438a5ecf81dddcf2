"""excipient rules (being written)."""


def check(document):
    return []
