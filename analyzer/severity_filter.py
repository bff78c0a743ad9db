"""Which findings a report lists, by severity (--min-severity, --severity); the others are
counted in the report, never dropped silently, and keep the verdicts they might change from
passing (see analyzer.findings.evidence)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analyzer.findings.model import Severity


@dataclass(frozen=True, slots=True)
class SeverityFilter:
    """The severities a report lists, and the option that chose them."""

    listed: frozenset[Severity] = frozenset(Severity)
    option: str = ""
    """How the user asked, for the report ("--severity critical,high"); "" for every
    severity."""
    floor: Severity | None = None
    """The --min-severity, when that is how the user asked."""

    @classmethod
    def at_least(cls, floor: Severity) -> SeverityFilter:
        """Findings at or above `floor` (--min-severity)."""
        listed = frozenset(s for s in Severity if s.rank >= floor.rank)
        return cls(listed, f"--min-severity {floor.value}", floor)

    @classmethod
    def exactly(cls, severities: Iterable[Severity]) -> SeverityFilter:
        """Findings of exactly these severities (--severity, as trivy)."""
        listed = frozenset(severities)
        return cls(listed, f"--severity {','.join(ordered(listed))}")

    def lists(self, severity: Severity) -> bool:
        """Whether findings of `severity` are listed."""
        return severity in self.listed


def ordered(severities: Iterable[Severity]) -> list[str]:
    """Severity names, most severe first.

    >>> ordered([Severity.LOW, Severity.CRITICAL])
    ['critical', 'low']
    """
    return [s.value for s in sorted(severities, key=lambda s: -s.rank)]


EVERY_SEVERITY = SeverityFilter()
"""The default: every finding is listed."""
