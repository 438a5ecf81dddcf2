"""Runs every rule family over an order document and collects the findings."""

from __future__ import annotations

import datetime as dt

from .document import OrderDocument
from .findings import CheckResult, Finding
from .policy import DEFAULT_POLICY, CheckPolicy
from .rules import (
    contraindication,
    dose,
    duplicate,
    excipient,
    interaction,
    on_file,
    prescriber,
    release,
    scripts,
    supply,
)
from .rules.duplicate import OpenOrder
from .rules.on_file import PrescriberOnFile

# Stored with every check result, so an old verdict can be traced to the rules that gave it.
RULESET_VERSION = "2026.12.3"


def check_order(
    document: OrderDocument,
    policy: CheckPolicy = DEFAULT_POLICY,
    open_orders: tuple[OpenOrder, ...] = (),
    prescribers_on_file: tuple[PrescriberOnFile, ...] = (),
    *,
    today: dt.date,
) -> CheckResult:
    """Check one order against every rule family; findings come worst first (then in rule
    family order), so the reason to stop is read first. `open_orders` are the patient's other
    open prescriptions, and `prescribers_on_file` the records kept for the prescription's
    licence number, which the caller looks up; `today` is the pharmacy's date (the checker
    never reads the clock, so a check gives the same answer on any machine)."""
    findings: list[Finding] = []
    findings += release.check(document)
    findings += excipient.check(document, policy.accepted_excipients)
    summary, dose_findings = dose.check(document, policy)
    findings += dose_findings
    findings += interaction.check(document, today)
    findings += contraindication.check(document, today)
    findings += prescriber.check(document, policy)
    findings += on_file.check(document, prescribers_on_file)
    findings += scripts.check(document)
    findings += supply.check(document, policy, summary, dose_findings, today)
    findings += duplicate.check(document, open_orders)
    findings.sort(key=lambda f: -f.severity)
    return CheckResult(findings=tuple(findings), dose=summary)
