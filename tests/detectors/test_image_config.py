"""Image-config rules: what the config asks of a deployment, at the severity it deserves."""

from __future__ import annotations

from pathlib import Path

from fixtures.detector_cases import clean_image
from tests.detectors.test_rules import scan_spec


def test_the_docker_socket_and_api_port_are_reported_and_a_volume_is_not_high(
    tmp_path: Path,
) -> None:
    """A VOLUME cannot bind a host path: over /proc it hides the kernel's, for the Docker
    socket it asks the deployment for the host's daemon (medium, both); 2375 is the Docker
    API without TLS."""
    image = clean_image(
        volumes=("/proc", "/var/run/docker.sock", "/data"), exposed_ports=("2375/tcp", "8080/tcp")
    )
    report = scan_spec(image, tmp_path, "config")
    found = {
        (f.rule_id, f.severity.value, f.evidence)
        for f in report.findings
        if f.rule_id in ("IA-VOLUME-SYSTEM", "IA-EXPOSE-REMOTE")
    }
    assert found == {
        ("IA-VOLUME-SYSTEM", "medium", "VOLUME /proc"),
        ("IA-VOLUME-SYSTEM", "medium", "VOLUME /var/run/docker.sock"),
        ("IA-EXPOSE-REMOTE", "medium", "EXPOSE 2375/tcp"),
    }


def test_a_name_without_a_tag_is_latest_and_a_digest_reference_pins_the_image(
    tmp_path: Path,
) -> None:
    digest = "sha256:" + "ab" * 32
    cases = {
        ("registry.example.com/shop/app",): True,  # docker pull reads it as :latest
        ("registry.example.com/shop/app:latest", f"registry.example.com/shop/app@{digest}"): False,
        ("registry.example.com:5000/app",): True,  # the port is not a tag
        ("registry.example.com:5000/app:2.1",): False,
        ("1.0", "latest"): False,  # an OCI layout's ref.name: the tag alone
        ("v2",): False,
    }
    for refs, reported in cases.items():
        report = scan_spec(clean_image(repo_tags=refs), tmp_path, "refs")
        assert ("IA-TAG-LATEST" in {f.rule_id for f in report.findings}) is reported, refs


def test_label_schema_labels_count_as_the_oci_ones(tmp_path: Path) -> None:
    labels = {
        "org.label-schema.vcs-url": "https://example.com/repo",
        "org.label-schema.version": "1.2.3",
        "org.label-schema.vcs-ref": "0123456789abcdef",
        "org.label-schema.build-date": "2026-01-02T03:04:05Z",
    }
    report = scan_spec(clean_image(labels=labels), tmp_path, "schema")
    assert "IA-LABELS-MISSING" not in {f.rule_id for f in report.findings}
