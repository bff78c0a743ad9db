"""A verdict per PCI requirement: fail (findings bear on it), pass, or not assessable."""

from __future__ import annotations

from typing import Any

from analyzer.findings.pci import REQUIREMENTS

NOT_ASSESSABLE: dict[str, str] = {
    "read-only root filesystem": "a deployment setting (securityContext.readOnlyRootFilesystem, "
    "docker run --read-only), not part of the image",
    "runtime user override": "an orchestrator may run the image as another user "
    "(runAsUser/runAsNonRoot); the image only states its default user",
    "registry access control": "who may push and pull is a registry setting, not in the image",
    "signature verification": "signatures are reported as present or absent, not verified",
}


def requirement_summary(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For every requirement we map: status and the findings behind it.

    >>> requirement_summary([{"pci": ["8.6.2"], "severity": "high", "fingerprint": "f1"}])[0]
    {'requirement': 'CG-12.1', 'text': 'Build from trusted, current, minimal base images (no unnecessary packages)', 'status': 'pass', 'findings': []}
    """  # noqa: E501
    summary = []
    for requirement, text in REQUIREMENTS.items():
        bearing = [f for f in findings if requirement in f["pci"]]
        failing = [f["fingerprint"] for f in bearing if f["severity"] != "info"]
        summary.append(
            {
                "requirement": requirement,
                "text": text,
                "status": "fail" if failing else "pass",
                "findings": failing or [f["fingerprint"] for f in bearing],
            }
        )
    return summary


def not_assessable() -> list[dict[str, str]]:
    """Practices an image alone cannot show, with the reason."""
    return [{"practice": k, "reason": v} for k, v in NOT_ASSESSABLE.items()]
