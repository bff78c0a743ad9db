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
