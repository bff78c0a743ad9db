"""Scan an archive: read it once with the detectors' content wants, then run every detector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.detectors import Detector, default_detectors
from analyzer.detectors.content import ContentStore
from analyzer.detectors.context import ImageContext, ScanOptions
from analyzer.detectors.wants import WantMatcher
from analyzer.findings.model import Finding
from analyzer.limits import Limits
from analyzer.reader import ImageView, Progress, ReadResult, read_archive


@dataclass(frozen=True, slots=True)
class ImageReport:
    """One image and everything the detectors found in it."""

    view: ImageView
    findings: tuple[Finding, ...]
    facts: tuple[tuple[str, object], ...]
    """What detectors established besides findings (e.g. ("packages", [...]), ("os", ...))."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    """The read archive and a report per image."""

    read: ReadResult
    images: tuple[ImageReport, ...]
    notices: tuple[str, ...]


def sort_key(finding: Finding) -> tuple[int, str, str, int]:
    """Most severe first, then by rule, path and layer."""
    return (-finding.severity.rank, finding.rule_id, finding.path, finding.layer_index or 0)


def scan_archive(
    path: Path,
    *,
    platform: str | None = None,
    limits: Limits | None = None,
    options: ScanOptions | None = None,
    detectors: Sequence[Detector] | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Read the archive once and run every detector on every selected image."""
    chosen = list(detectors) if detectors is not None else default_detectors()
    options = options or ScanOptions()

    store = ContentStore(WantMatcher([d.content for d in chosen]))
    read = read_archive(path, platform=platform, limits=limits, sinks=[store], progress=progress)
    reports = []
    for view in read.images:
        ctx = ImageContext(view, store, options, read.catalog.artifacts)
        findings = sorted((f for d in chosen for f in d.detect(ctx)), key=sort_key)
        reports.append(ImageReport(view, tuple(findings), tuple(sorted(ctx.facts.items()))))
    notices = list(read.notices)
    notices.extend(
        f"{path}: content over the per-file limit was not fully examined"
        for _, path in store.truncated
    )
    return ScanResult(read, tuple(reports), tuple(notices))
