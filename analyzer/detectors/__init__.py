"""Detectors: small plugins over the layered filesystem, collected content and image config.

The registry is an explicit list: adding a detector means adding it here.
"""

from __future__ import annotations

from analyzer.detectors.base import ContentWants, Detector, Want
from analyzer.detectors.baseos import BaseOsDetector
from analyzer.detectors.buildtools import BuildToolDetector
from analyzer.detectors.imageconfig import ImageConfigDetector
from analyzer.detectors.packages import PackageDetector
from analyzer.detectors.perms import PermissionDetector
from analyzer.detectors.pkgmgr import PackageManagerDetector
from analyzer.detectors.provenance import ProvenanceDetector
from analyzer.detectors.secrets import SecretDetector
from analyzer.detectors.shells import ShellDetector
from analyzer.detectors.sources import SourceDetector
from analyzer.detectors.users import UserDetector
from analyzer.detectors.vulns import VulnerabilityDetector
from analyzer.findings.model import Rule


def default_detectors(max_file_bytes: int = 10 << 20, workers: int = 1) -> list[Detector]:
    """Every detector, in report order (`workers` processes examine files for secrets)."""
    return [
        SecretDetector(max_file_bytes, workers),
        UserDetector(),
        PermissionDetector(),
        ShellDetector(),
        PackageManagerDetector(),
        BuildToolDetector(),
        ImageConfigDetector(),
        SourceDetector(),
        BaseOsDetector(),
        PackageDetector(),
        VulnerabilityDetector(),  # after PackageDetector and BaseOsDetector: reads their facts
        ProvenanceDetector(),
    ]


def all_rules() -> list[Rule]:
    """Every rule of every detector, sorted by id."""
    unique = {r.id: r for d in default_detectors() for r in d.rules}
    return [unique[i] for i in sorted(unique)]


__all__ = ["ContentWants", "Detector", "Want", "all_rules", "default_detectors"]
