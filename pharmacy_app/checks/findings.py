"""Findings and verdicts: what the formulation checker says about an order."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum, StrEnum


class Severity(IntEnum):
    """How much a finding stops the work; ordered so the worst is the largest."""

    INFO = 0
    WARN = 1
    BLOCK = 2

    @property
    def label(self) -> str:
        return ("info", "warn", "block")[self]


class Verdict(StrEnum):
    """What a check of an order comes to: the worst of its findings."""

    PASS = "pass"
    WARN = "warn"
    BLOCK = "block"

    @property
    def label(self) -> str:
        return {Verdict.PASS: "Pass", Verdict.WARN: "Warning", Verdict.BLOCK: "Blocked"}[self]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the checker noticed: a stable `family.name` code, a severity, the field
    it concerns (a path such as `preparation.excipients[1]`) and a reason a pharmacist reads."""

    code: str
    severity: Severity
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.label,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class DoseSummary:
    """The dose the checker worked out, in milligrams of naltrexone HCl (None if unknown)."""

    mg_per_dose: Decimal | None = None
    mg_per_day: Decimal | None = None
    ml_per_dose: Decimal | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {k: (None if v is None else plain(v)) for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict (`block`, `warn` or `pass`) and every finding, worst first."""

    findings: tuple[Finding, ...]
    dose: DoseSummary = field(default_factory=DoseSummary)

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.findings)

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "findings": [f.to_dict() for f in self.findings],
            "dose": self.dose.to_dict(),
        }


def verdict_of(findings: tuple[Finding, ...] | list[Finding]) -> Verdict:
    """The worst severity among the findings; `pass` when nothing is above info."""
    worst = max((f.severity for f in findings), default=Severity.INFO)
    return Verdict.PASS if worst is Severity.INFO else Verdict(worst.label)


def plain(value: Decimal, places: int | None = None) -> str:
    """A Decimal as plain text, rounded half up to `places` if given, without exponent or
    trailing zeros ("4.5", "0.25", "90")."""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format(value.normalize(), "f")
