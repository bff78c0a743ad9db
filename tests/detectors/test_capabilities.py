"""File capabilities: what the `security.capability` attribute grants, and what a damaged one
does not."""

from __future__ import annotations

from pathlib import Path

from analyzer.findings.model import Finding, Severity
from analyzer.scan import scan_archive
from fixtures.detector_cases import base, clean_image
from fixtures.formats import write_docker_archive
from fixtures.spec import FileSpec

NET_RAW_V2 = bytes.fromhex("0100000200200000000000000000000000000000")
"""vfs_cap_data revision 2 (20 bytes): cap_net_raw, permitted and effective."""


def _capability_findings(tmp_path: Path, capability: bytes) -> list[Finding]:
    ping = FileSpec(
        "usr/bin/ping", b"\x7fELF", mode=0o755, xattrs={"security.capability": capability}
    )
    archive = write_docker_archive([clean_image(base(ping))], tmp_path / "caps.tar")
    [report] = scan_archive(archive).images
    return [f for f in report.findings if f.rule_id == "IA-FILECAP"]


def test_a_well_formed_attribute_names_the_capabilities_it_grants(tmp_path: Path) -> None:
    [finding] = _capability_findings(tmp_path, NET_RAW_V2)
    assert finding.path == "/usr/bin/ping"
    assert finding.evidence == "capabilities cap_net_raw (effective)"


def test_a_truncated_attribute_is_reported_as_malformed_not_as_no_capabilities(
    tmp_path: Path,
) -> None:
    # the first word of a revision-2 attribute alone: the kernel refuses to read it on exec
    [finding] = _capability_findings(tmp_path, NET_RAW_V2[:4])
    assert finding.severity is Severity.LOW
    assert "malformed security.capability attribute (4 bytes where revision 2 has 20)" in (
        finding.evidence
    )
    assert "(none)" not in finding.evidence


def test_an_unknown_revision_is_reported_as_malformed(tmp_path: Path) -> None:
    unknown = NET_RAW_V2[:3] + b"\x09" + NET_RAW_V2[4:]
    [finding] = _capability_findings(tmp_path, unknown)
    assert finding.severity is Severity.LOW
    assert "unknown revision 9" in finding.evidence
