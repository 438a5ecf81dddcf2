"""One module per rule family; each exposes check(document, ...) -> list of findings."""
