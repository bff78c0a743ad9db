"""Signatures travel with the image or they do not; registries are judged against a trusted list."""

from __future__ import annotations

from pathlib import Path

from analyzer.detectors.context import ScanOptions
from analyzer.scan import scan_archive


def rules(archive: Path, options: ScanOptions | None = None) -> dict[str, list[str]]:
    [report] = scan_archive(archive, options=options).images
    found: dict[str, list[str]] = {}
    for finding in report.findings:
        found.setdefault(finding.rule_id, []).append(finding.evidence)
    return found


def test_image_with_a_cosign_signature_is_not_unsigned(built: dict[str, Path]) -> None:
    assert "IA-UNSIGNED" not in rules(built["oci-with-signature"])


def test_image_without_a_signature_is_unsigned(built: dict[str, Path]) -> None:
    [evidence] = rules(built["oci-tar-gzip"])["IA-UNSIGNED"]
    assert "no signature for manifest sha256:" in evidence


def test_references_outside_the_trusted_registries_are_reported(built: dict[str, Path]) -> None:
    untrusted = rules(built["oci-tar-gzip"], ScanOptions(trusted_registries=("registry.corp",)))
    assert any("comes from docker.io" in e for e in untrusted["IA-REGISTRY-UNTRUSTED"])
    trusted = rules(built["oci-tar-gzip"], ScanOptions(trusted_registries=("docker.io",)))
    assert "IA-REGISTRY-UNTRUSTED" not in trusted
    assert "IA-REGISTRY-UNTRUSTED" not in rules(built["oci-tar-gzip"])  # no list: not judged
