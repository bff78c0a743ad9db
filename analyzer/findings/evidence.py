"""What a scan established about one image, as far as the verdicts need it: the reported
findings, and whether each check a verdict rests on could run.

A check that did not run, or could not on this image, leaves a gap: a requirement that rests on
it is not assessed, with the gap as the reason, because a pass must never claim what was not
checked. The evidence is read from the scan document's image (views.scan_document), the same data
report.json and the scan table are made from, so that every view states the same verdicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, assert_never

from analyzer.findings.model import Severity
from analyzer.findings.pci import Check, fails
from analyzer.text import quoted

OS_PACKAGE_KINDS = frozenset({"deb", "apk", "rpm"})
"""Package kinds read from an OS package database; the others come from language metadata."""


@dataclass(frozen=True, slots=True)
class Observed:
    """One reported finding, as a verdict sees it."""

    fingerprint: str
    severity: Severity
    requirements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScanEvidence:
    """What the scan of one image established; the defaults describe a scan where nothing ran."""

    findings: tuple[Observed, ...] = ()
    secrets_scanned: bool = False
    oversized_files: int = 0
    """Files over --max-file-bytes, which were not examined for secrets."""
    unread_members: int = 0
    """Members of archive files in the image (a jar, a .tar.gz) that were not examined: past
    the bounds, encrypted, damaged, or archives inside archives."""
    os_checked: bool = False
    os_name: str = ""
    """The base OS as the image names it; "" when none was identified."""
    eol_status: str = "unknown"
    """"supported", "eol" or "unknown" (not in the offline end-of-life table)."""
    inventory_ran: bool = False
    os_packages: int = 0
    """Packages read from the dpkg, apk or rpm database."""
    other_packages: int = 0
    """Packages read from language metadata (Python, npm)."""
    signatures_checked: bool = False
    manifest_digest: str = ""
    """Empty for a legacy docker-archive: no manifest digest a signature could refer to."""
    trusted_registries: tuple[str, ...] = ()
    """The --trusted-registry list the references were compared with (empty: not compared)."""
    references: int = 0
    has_history: bool = False
    """True when at least one layer has a build history line."""
    hidden_findings: int = 0
    """Findings --min-severity left out of the report."""
    min_severity: Severity | None = None
    """The --min-severity in effect, when the scan document records it."""
    hidden_severities: tuple[Severity, ...] | None = None
    """The severities of the findings left out, when the scan document counts them."""
    hidden_by: str = ""
    """The option that left them out, as the scan document names it ("--severity ...")."""
    vulns_checked: bool = False
    """True when the packages were compared with vulnerability data (scan --vuln-db)."""
    uncovered: tuple[str, ...] = ()
    """Ecosystems found in the image that the vulnerability data has no records for."""
    unfixed: int = 0
    """Reported IA-VULN findings at a failing severity that no record names a fix for."""


def evidence_of(image: Mapping[str, Any]) -> ScanEvidence:
    """The evidence in one image of the scan document (a fact a detector did not record means
    that its check did not run)."""
    os_fact, secret_scan = image.get("os"), image.get("secret_scan")
    kinds = [str(p["kind"]) for p in image.get("packages") or ()]
    os_packages = sum(kind in OS_PACKAGE_KINDS for kind in kinds)
    min_severity = image.get("min_severity")
    hidden = image.get("hidden_by_severity")
    vulns = image.get("vulnerabilities")
    return ScanEvidence(
        findings=tuple(_observed(f) for f in image["findings"]),
        secrets_scanned=isinstance(secret_scan, Mapping),
        oversized_files=int((secret_scan or {}).get("oversized_files", 0)),
        unread_members=int((secret_scan or {}).get("archive_members_not_examined", 0)),
        os_checked="os" in image,
        os_name=_os_name(os_fact) if isinstance(os_fact, Mapping) else "",
        eol_status=str(os_fact.get("eol_status")) if isinstance(os_fact, Mapping) else "unknown",
        inventory_ran=isinstance(image.get("packages"), list),
        os_packages=os_packages,
        other_packages=len(kinds) - os_packages,
        signatures_checked=isinstance(image.get("signatures"), list),
        manifest_digest=str(image.get("manifest_digest") or ""),
        trusted_registries=tuple(image.get("trusted_registries") or ()),
        references=len(image.get("refs") or ()),
        has_history=any(layer.get("created_by") for layer in image.get("layers") or ()),
        hidden_findings=int(image.get("hidden_below_min_severity") or 0),
        min_severity=Severity.parse(min_severity) if min_severity else None,
        hidden_severities=tuple(Severity.parse(str(s)) for s, n in hidden.items() if n)
        if isinstance(hidden, Mapping)
        else None,
        hidden_by=str(image.get("severity_option") or ""),
        vulns_checked=isinstance(vulns, Mapping),
        uncovered=tuple(str(e) for e in (vulns or {}).get("uncovered") or ()),
        unfixed=sum(1 for f in image["findings"] if _unfixed(f)),
    )


def _unfixed(finding: Mapping[str, Any]) -> bool:
    details = finding.get("details") or {}
    return (
        finding.get("rule_id") == "IA-VULN"
        and not details.get("fixed")
        and fails(Severity.parse(finding["severity"]))
    )


def _observed(finding: Mapping[str, Any]) -> Observed:
    severity = Severity.parse(finding["severity"])
    return Observed(finding["fingerprint"], severity, tuple(finding["pci"]))


def _os_name(os_fact: Mapping[str, Any]) -> str:
    parts = (os_fact.get("id"), os_fact.get("version_id"))
    named = os_fact.get("pretty_name") or " ".join(str(p) for p in parts if p)
    return str(named).strip() or "the base OS"


NO_VULNERABILITY_DATA = (
    "no vulnerability data was given: the scan checked whether the base OS is past its end of "
    "life, not whether packages have known vulnerabilities (import advisories with 'image-audit "
    "vulndb import' and scan with --vuln-db)"
)


def gap(evidence: ScanEvidence, check: Check) -> str | None:
    """Why `check` could not vouch for a pass on this image; None when it ran in full."""
    match check:
        case Check.PRIVILEGE | Check.SOFTWARE | Check.CONFIGURATION | Check.TRACEABILITY:
            return None  # run on every image, from the config and the final filesystem
        case Check.SECRETS:
            return _secrets_gap(evidence)
        case Check.BASE_OS:
            return _base_os_gap(evidence)
        case Check.VULNERABILITIES:
            return _vulnerabilities_gap(evidence)
        case Check.INVENTORY:
            return _inventory_gap(evidence)
        case Check.REGISTRY:
            return _registry_gap(evidence)
        case Check.SIGNATURES:
            return _signatures_gap(evidence)
        case Check.BUILD_STEPS:
            return None if evidence.has_history else _NO_HISTORY
        case _:
            assert_never(check)


_NO_HISTORY = "the image config has no build history, so its build steps were not checked"


def _secrets_gap(evidence: ScanEvidence) -> str | None:
    if not evidence.secrets_scanned:
        return "the secrets scan did not run"
    gaps = []
    if evidence.oversized_files:
        gaps.append(
            f"{_were(evidence.oversized_files, 'file')} over --max-file-bytes and not examined "
            "for secrets (the notices name them; raise --max-file-bytes to examine them)"
        )
    if evidence.unread_members:
        count = evidence.unread_members
        members = "1 member" if count == 1 else f"{count} members"
        gaps.append(
            f"{members} of archive files in the image (a jar, a .tar.gz) "
            f"{'was' if count == 1 else 'were'} not examined for secrets (the notices name "
            "the archives and why)"
        )
    return "; ".join(gaps) or None


def _were(count: int, noun: str) -> str:
    """'1 file was', '3 files were'."""
    return f"1 {noun} was" if count == 1 else f"{count} {noun}s were"


def _base_os_gap(evidence: ScanEvidence) -> str | None:
    if not evidence.os_checked:
        return "the base OS check did not run"
    if not evidence.os_name:
        return (
            "no base OS was identified (no os-release, alpine-release or debian_version), so "
            "whether it still gets security updates is not known"
        )
    if evidence.eol_status not in ("supported", "eol"):
        return (
            f"the offline end-of-life table does not know {quoted(evidence.os_name)}, so whether "
            "it still gets security updates is not known"
        )
    return None


def _vulnerabilities_gap(evidence: ScanEvidence) -> str | None:
    if not evidence.vulns_checked:
        return NO_VULNERABILITY_DATA
    if not evidence.os_packages and not evidence.other_packages:
        return "no package was inventoried, so there was nothing to compare with vulnerability data"
    if evidence.uncovered:
        names = ", ".join(evidence.uncovered[:10])
        return (
            f"the vulnerability data has no records for {names}, found in the image, so their "
            "packages were not checked (import that ecosystem's advisories)"
        )
    if evidence.unfixed:
        return (
            f"{_were(evidence.unfixed, 'known vulnerability')} found with no fixed version yet: "
            "there is no patch to apply, so a person must judge the mitigation"
        )
    return None


def _inventory_gap(evidence: ScanEvidence) -> str | None:
    if not evidence.inventory_ran:
        return "the package inventory did not run"
    if evidence.os_packages:
        return None
    others = evidence.other_packages
    found = f"; only {_were(others, 'Python or npm package')} found" if others else ""
    return (
        "no package database (dpkg, apk or rpm sqlite) was read, so the image's components were "
        f"not inventoried{found}"
    )


def _registry_gap(evidence: ScanEvidence) -> str | None:
    if not evidence.trusted_registries:
        return (
            "no --trusted-registry was given, so the registries the image's references name were "
            "not compared with those the organisation controls"
        )
    if not evidence.references:
        return "the image has no reference, so the registry it comes from is not known"
    return None


def _signatures_gap(evidence: ScanEvidence) -> str | None:
    if not evidence.signatures_checked:
        return "the signature check did not run"
    if not evidence.manifest_digest:
        return (
            "a legacy docker-archive cannot carry signatures, so whether the image is signed "
            "cannot be told from this archive (an OCI archive can carry them)"
        )
    return None


def hidden_gap(evidence: ScanEvidence) -> str | None:
    """Why findings left out by --min-severity or --severity keep a requirement from passing:
    one of them is (or, when they were not counted by severity, may be) at a failing severity;
    None when none was left out or none could fail."""
    if not evidence.hidden_findings:
        return None
    floor = evidence.min_severity
    if evidence.hidden_severities is not None:
        could_fail = any(fails(s) for s in evidence.hidden_severities)
    else:
        could_fail = floor is None or any(fails(s) for s in Severity if s.rank < floor.rank)
    if not could_fail:
        return None
    if evidence.hidden_by.startswith("--severity"):
        why, option = f"not among {evidence.hidden_by}", "--severity"
    else:
        below = f"below --min-severity {floor.value}" if floor else "below --min-severity"
        why, option = below, "--min-severity"
    return (
        f"{_were(evidence.hidden_findings, 'finding')} left out of this report ({why}) and may "
        f"bear on it (scan without {option})"
    )
