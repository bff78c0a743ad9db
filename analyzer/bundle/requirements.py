"""The verdicts of one image as report.json states them, and the practices no image can show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from analyzer.findings.verdicts import Verdict, image_verdicts

NOT_ASSESSABLE: dict[str, str] = {
    "read-only root filesystem": "a deployment setting (securityContext.readOnlyRootFilesystem, "
    "docker run --read-only), not part of the image",
    "runtime user override": "an orchestrator may run the image as another user "
    "(runAsUser/runAsNonRoot); the image only states its default user",
    "registry access control": "who may push and pull is a registry setting, not in the image",
    "signature verification": "signatures are reported as present or absent, not verified",
}


def requirement_verdicts(image: Mapping[str, Any]) -> list[dict[str, Any]]:
    """For every requirement we map: its verdict on one image of the scan document.

    >>> image = {"findings": [{"pci": ["8.6.2"], "severity": "high", "fingerprint": "f1"}]}
    >>> {v["requirement"]: v["status"] for v in requirement_verdicts(image)}["8.6.2"]
    'fail'
    """
    return [verdict_document(v) for v in image_verdicts(image)]


def verdict_document(verdict: Verdict) -> dict[str, Any]:
    """One verdict as report.json states it (schemas/report.schema.json, `requirements`)."""
    return {
        "requirement": verdict.requirement,
        "text": verdict.text,
        "status": verdict.status.value,
        "reason": verdict.reason,
        "checked": verdict.checked,
        "findings": list(verdict.failing),
        "observations": {severity.value: count for severity, count in verdict.observations},
    }


def not_assessable() -> list[dict[str, str]]:
    """Practices an image alone cannot show, with the reason."""
    return [{"practice": k, "reason": v} for k, v in NOT_ASSESSABLE.items()]
