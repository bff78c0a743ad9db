"""The rules a scan runs with, as data: the `rules --format json` document, and the record of
the rule set (with its hash) that custody.json keeps beside the input's hash."""

from __future__ import annotations

import hashlib
from typing import Any

from analyzer.bundle.report import canonical_json
from analyzer.detectors import all_rules
from analyzer.findings.pci import REQUIREMENTS, controls_for
from analyzer.secrets.dscompat import dsbridge


def rules_document() -> dict[str, Any]:
    """Every rule as data (the `rules --format json` document), and the requirements they
    map to."""
    docs = [
        {
            "rule_id": r.id,
            "title": r.title,
            "category": r.category,
            "severity": r.severity.value,
            "pci": list(controls_for(r.category)),
            "why": r.why,
            "fix": r.fix,
        }
        for r in all_rules()
    ]
    return {"rules": docs, "requirements": REQUIREMENTS}


def ruleset_record() -> dict[str, Any]:
    """The rule ids and the detect-secrets set-up a scan ran with, and a sha256 of them.

    detect-secrets keeps its set-up per process: call this after the scan, which configured it
    (before, its plugin list would be empty and the hash would describe nothing)."""
    doc = {
        "rules": [r.id for r in all_rules()],
        "detect_secrets": {
            "plugins": sorted(p["name"] for p in dsbridge.plugin_settings()),
            "filters": dsbridge.filter_paths(),
        },
    }
    return {**doc, "sha256": hashlib.sha256(canonical_json(doc)).hexdigest()}
