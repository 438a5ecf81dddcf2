"""The checker's rules applied to a master formulation record: the same release and
excipient rules as for an order, so no formula with slow release or calcium carbonate can be
saved."""

from __future__ import annotations

from .document import DosageForm
from .findings import Finding
from .rules.excipient import excipient_finding
from .rules.release import release_findings


def check_formulation(
    release: str,
    excipients: list[str],
    accepted_extra: frozenset[str] = frozenset(),
    form: DosageForm = DosageForm.CAPSULE,
) -> list[Finding]:
    """Findings on a formula's release type and its filler or vehicle."""
    findings = [f for f in release_findings(release, form) if f.code != "release.unstated"]
    for index, written in enumerate(excipients):
        finding = excipient_finding(written, index, accepted_extra)
        if finding is not None:
            findings.append(finding)
    return sorted(findings, key=lambda f: -f.severity)
