"""IA-VULN: a known vulnerability in an installed package (offline data, ``scan --vuln-db DIR``).

What it finds: every package of the inventory (dpkg, apk, rpm, Python, npm) that a record of the
vulnerability database (``image-audit vulndb import``: OSV records, Alpine secdb) says is affected,
one finding per package and vulnerability, aliases merged (analyzer.vulndb.match): the id and its
aliases, the installed and the fixed version, the package URL and the layer that installed it.

Severity: from the record's CVSS vector (the highest base score of the merged records, banded as
CVSS v3 does). A record without a vector is reported as **medium** with "severity unknown" in
the evidence: an unrated known vulnerability is not evidence of a harmless one (PyPA's records
mostly carry no vector), and medium is the lowest severity that fails a requirement, so an
unrated flaw with a fix fails 6.3.3 rather than passing it unseen; lower it with a suppression
once someone has judged it.

A vulnerability no record names a fix for bears on no requirement (there is no patch to apply);
when one at a failing severity is found, 6.3.3 is not assessed and the reason says so.

Why it matters: PCI DSS 6.3.3 asks that components be protected from known vulnerabilities by
installing the patches available for them.

Fix: upgrade the package to the fixed version (rebuild on a current base image for OS packages);
suppress a finding reviewed as not exploitable by its fingerprint, or every finding of one
vulnerability with ``vulnerability = "CVE-..."`` (its id or any alias, globs allowed).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from analyzer.detectors.base import ContentWants
from analyzer.detectors.context import ImageContext
from analyzer.findings.model import Finding, Rule, Severity, fingerprint

if TYPE_CHECKING:  # the matcher (univers, cvss) is imported only when a database is given
    from analyzer.vulndb.match import Match
    from analyzer.vulndb.store import VulnDb

VULN = Rule(
    "IA-VULN",
    "Known vulnerability in an installed package",
    "vulnerabilities",
    Severity.MEDIUM,
    "A package with a published vulnerability and an available fix is a patch not applied.",
    "Upgrade the package to the fixed version, or rebuild on a current base image.",
)
STALE_AFTER_DAYS = 30
"""A notice says the data is stale when its newest record is older than this at scan time."""


class VulnerabilityDetector:
    """The inventory against the vulnerability database the scan was given (nothing without)."""

    rules = (VULN,)
    content = ContentWants()

    def __init__(self, db: VulnDb | None = None) -> None:
        self.db = db

    def detect(self, ctx: ImageContext) -> Iterator[Finding]:
        """One IA-VULN finding per package and vulnerability; the `vulnerabilities` fact."""
        db = self.db or ctx.options.vuln_db
        packages = ctx.facts.get("packages")
        if db is None or not isinstance(packages, list):
            return
        from analyzer.vulndb.match import match_packages  # noqa: PLC0415

        result = match_packages(db, packages, ctx.facts.get("os"))
        ctx.notices.extend(result.notices[:20])
        ctx.facts["vulnerabilities"] = data_fact(db, ctx.options.today) | {
            "ecosystems": result.ecosystems,
            "uncovered": result.uncovered,
            "matched": len(result.matches),
        }
        if stale := stale_notice(db, ctx.options.today):
            ctx.notices.append(stale)
        for match in result.matches:
            yield _finding(ctx, match)


def data_fact(db: VulnDb, today: datetime.date) -> dict[str, object]:
    """What the scan report and custody.json say about the data: its sources and age."""
    newest = db.newest()
    return {
        "database": str(db.path),
        "newest_record": newest,
        "sources": [
            {"path": s.path, "sha256": s.sha256, "records": s.records, "newest": s.newest}
            for s in db.sources
        ],
        "age_days": _age(newest, today),
    }


def stale_notice(db: VulnDb, today: datetime.date) -> str:
    """A notice when the newest record is more than STALE_AFTER_DAYS old ("" otherwise)."""
    newest = db.newest()
    age = _age(newest, today)
    if not newest:
        return "the vulnerability data does not say when its records were modified (secdb only?)"
    if age is not None and age > STALE_AFTER_DAYS:
        return (
            f"the vulnerability data's newest record is from {newest[:10]}, {age} days before "
            "this scan: vulnerabilities published since are not known to it; import newer data"
        )
    return ""


def _age(newest: str, today: datetime.date) -> int | None:
    try:
        return (today - datetime.date.fromisoformat(newest[:10])).days
    except ValueError:
        return None


def _finding(ctx: ImageContext, match: Match) -> Finding:
    package = match.package
    name, version = str(package.get("name")), str(package.get("version"))
    from analyzer.vulndb.severity import band  # noqa: PLC0415

    severity = Severity.parse(band(match.score)) if match.score is not None else VULN.severity
    layer = package.get("layer")
    finding = ctx.finding(
        VULN,
        path=str(package.get("found_in") or ""),
        layer=layer if isinstance(layer, int) else None,
        key=f"{match.id}\0{package.get('kind')}\0{name}",
        severity=severity,
        evidence=_evidence(match, name, _shown_version(package, version)),
        details=_details(match, package),
    )
    # the fingerprint leaves out the version (a Python distribution's folder names it), so that
    # diff sees the same vulnerability of an upgraded but still affected package as unchanged
    place = str(package.get("found_in") or "")
    if package.get("kind") == "pypi":
        place = place.rsplit("/", 2)[0]
    stable = fingerprint(VULN.id, place, f"{match.id}\0{package.get('kind')}\0{name}")
    return replace(finding, fingerprint=stable, pci=finding.pci if match.fixed else ())


def _shown_version(package: Mapping[str, object], version: str) -> str:
    """The version as compared: a dpkg source version is named beside the binary's."""
    source_version = package.get("source_version")
    if source_version and source_version != version:
        return f"{version} (source {package.get('source')} {source_version})"
    return version


def _evidence(match: Match, name: str, version: str) -> str:
    also = f" ({', '.join(match.aliases[:6])})" if match.aliases else ""
    fix = f"fixed in {match.fixed}" if match.fixed else "no fixed version known"
    if match.score is not None:
        rated = f"CVSS {match.score:.1f}" + (f" {match.vectors[0]}" if match.vectors else "")
    else:
        rated = "severity unknown: no CVSS vector in the record (reported as medium)"
    return f"{name} {version} is affected by {match.id}{also}; {fix}; {rated}"


def _details(match: Match, package: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    return (
        ("vulnerability", match.id),
        ("aliases", ", ".join(match.aliases)),
        ("package", str(package.get("name"))),
        ("installed", str(package.get("version"))),
        ("fixed", match.fixed),
        ("purl", str(package.get("purl") or "")),
        ("ecosystem", match.ecosystem),
        ("cvss", match.vectors[0] if match.vectors else ""),
        ("score", f"{match.score:.1f}" if match.score is not None else "unknown"),
    )
