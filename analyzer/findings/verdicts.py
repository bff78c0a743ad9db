"""A verdict per PCI requirement, and the one line that sums them up.

Each requirement is
- `fail`: a reported finding at a failing severity (pci.SEVERITY_EFFECT) bears on it;
- `not-assessed`: nothing fails it, but a check it rests on did not or could not run on this
  image (evidence.gap says why), or findings that might fail it were left out by --min-severity;
- `manual`: nothing fails it, but the image cannot show it met (pci.REQUIREMENT_BASIS says why);
- `pass`: every check it rests on ran and found nothing at a failing severity.
Lower-severity findings that bear on a requirement are counted as its observations.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, assert_never

from analyzer.findings.evidence import ScanEvidence, evidence_of, gap, hidden_gap
from analyzer.findings.model import Severity
from analyzer.findings.pci import (
    CHECKED,
    OBSERVED,
    REQUIREMENT_BASIS,
    REQUIREMENTS,
    SEVERITY_EFFECT,
    Basis,
    fails,
)


class Status(enum.Enum):
    """The verdict on one requirement."""

    FAIL = "fail"
    PASS = "pass"
    NOT_ASSESSED = "not-assessed"
    MANUAL = "manual"

    @property
    def label(self) -> str:
        """How a person reads it: "not assessed" rather than the JSON value."""
        match self:
            case Status.FAIL:
                return "fail"
            case Status.PASS:
                return "pass"
            case Status.MANUAL:
                return "manual"
            case Status.NOT_ASSESSED:
                return "not assessed"
            case _:
                assert_never(self)

    @property
    def meaning(self) -> str:
        """What the verdict means, for the key beside a verdict table."""
        match self:
            case Status.FAIL:
                return "a finding at a failing severity bears on it"
            case Status.PASS:
                return "every check it rests on ran and found nothing that fails it"
            case Status.NOT_ASSESSED:
                return "a check it rests on did not or could not run; the reason says which"
            case Status.MANUAL:
                return (
                    "the image cannot show it met, so a person must judge it (a finding can "
                    "still fail it)"
                )
            case _:
                assert_never(self)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The verdict on one requirement for one image, with what it rests on."""

    requirement: str
    text: str
    status: Status
    reason: str | None
    """Why a person must judge it (manual) or why it was not assessed; None for pass and fail."""
    checked: str
    """What the scan examined for this requirement on this image: the checks that ran ("" when
    none could)."""
    failing: tuple[str, ...]
    """Fingerprints of the findings behind a fail (empty unless it fails)."""
    observations: tuple[tuple[Severity, int], ...]
    """How many findings below the failing severities bear on it, per severity."""


def judge(evidence: ScanEvidence) -> tuple[Verdict, ...]:
    """The verdict on every requirement we map, in the mapping's order."""
    return tuple(
        _verdict(requirement, text, REQUIREMENT_BASIS[requirement], evidence)
        for requirement, text in REQUIREMENTS.items()
    )


def image_verdicts(image: Mapping[str, Any]) -> tuple[Verdict, ...]:
    """The verdicts on one image of the scan document (views.scan_document)."""
    return judge(evidence_of(image))


def _verdict(requirement: str, text: str, basis: Basis, evidence: ScanEvidence) -> Verdict:
    bearing = [f for f in evidence.findings if requirement in f.requirements]
    severities = Counter(f.severity for f in bearing)
    failing = tuple(dict.fromkeys(f.fingerprint for f in bearing if fails(f.severity)))
    gaps = {check: gap(evidence, check) for check in basis.checks}
    status, reason = _status(basis, [*gaps.values(), hidden_gap(evidence)], failed=bool(failing))
    return Verdict(
        requirement=requirement,
        text=text,
        status=status,
        reason=reason,
        checked="; ".join(CHECKED[check] for check, why in gaps.items() if why is None),
        failing=failing,
        observations=tuple((s, severities[s]) for s in OBSERVED),
    )


def _status(basis: Basis, gaps: list[str | None], *, failed: bool) -> tuple[Status, str | None]:
    """Fail on evidence first: a finding is true even where other checks could not run."""
    if failed:
        return Status.FAIL, None
    reasons = [g for g in gaps if g]
    if basis.manual:
        return Status.MANUAL, "; ".join([basis.manual, *reasons])
    if reasons:
        return Status.NOT_ASSESSED, "; ".join(reasons)
    return Status.PASS, None


def verdict_line(statuses: Iterable[Status]) -> str:
    """The overall line a report opens with: how many requirements fail, pass, were not
    assessed or are manual (fails always named, other statuses only when some have them).

    >>> verdict_line([Status.FAIL] * 3 + [Status.PASS] * 5 + [Status.NOT_ASSESSED] * 2)
    '3 requirements fail, 5 pass, 2 not assessed'
    >>> verdict_line([Status.PASS, Status.MANUAL]), verdict_line([Status.FAIL, Status.PASS])
    ('no requirement fails, 1 pass, 1 manual', '1 requirement fails, 1 pass')
    """
    counts = Counter(statuses)
    fail = counts[Status.FAIL]
    head = {0: "no requirement fails", 1: "1 requirement fails"}.get(
        fail, f"{fail} requirements fail"
    )
    rest = [f"{counts[s]} {s.label}" for s in Status if s is not Status.FAIL and counts[s]]
    return ", ".join([head, *rest])


def severity_rule() -> str:
    """The severity table in one sentence, for the reports that show verdicts.

    >>> severity_rule()
    'A critical, high or medium finding fails every requirement it bears on; low and info findings are observations: counted beside the verdict, they never fail a requirement.'
    """  # noqa: E501
    failing = [s.value for s in SEVERITY_EFFECT if fails(s)]
    return (
        f"A {_listed(failing, 'or')} finding fails every requirement it bears on; "
        f"{_listed([s.value for s in OBSERVED], 'and')} findings are observations: counted "
        "beside the verdict, they never fail a requirement."
    )


def _listed(words: list[str], conjunction: str) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"
