"""Runs every rule family over an order document and collects the findings."""

from __future__ import annotations

from .document import OrderDocument
from .findings import CheckResult, Finding
from .policy import DEFAULT_POLICY, CheckPolicy
from .rules import contraindication, dose, excipient, interaction, prescriber, release, supply

# Stored with every check result, so an old verdict can be traced to the rules that gave it.
RULESET_VERSION = "2026.11.2"


def check_order(document: OrderDocument, policy: CheckPolicy = DEFAULT_POLICY) -> CheckResult:
    """Check one order against every rule family; findings come worst first (then in rule
    family order), so the reason to stop is read first."""
    findings: list[Finding] = []
    findings += release.check(document)
    findings += excipient.check(document, policy.accepted_excipients)
    summary, dose_findings = dose.check(document, policy)
    findings += dose_findings
    findings += interaction.check(document)
    findings += contraindication.check(document)
    findings += prescriber.check(document, policy)
    findings += supply.check(document, policy, summary, dose_findings)
    findings.sort(key=lambda f: -f.severity)
    return CheckResult(findings=tuple(findings), dose=summary)
