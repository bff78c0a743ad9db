"""findings.sarif: the scan's findings as SARIF 2.1.0, validated against the vendored OASIS schema.

One run per image. A SARIF run is one tool run over one analysis target, and everything a run
declares at run level belongs to that target: `originalUriBaseIds["IMAGE_ROOT"]` names one image's
root filesystem, and `automationDetails.id` gives each image its own category, so code-scanning
services that refuse several runs of one tool in one category keep the images apart.

Locations. A path inside an image is not a file on the machine that ran the scan, so it is never a
`file://` URI: it is a relative URI ("app/.env") against the uriBaseId IMAGE_ROOT, whose
originalUriBaseIds entry describes the image (refs, config digest) and deliberately has no `uri`,
as no URI scheme addresses an image's filesystem. The layer that added the finding is a logical
location of kind "module": of the spec's kinds it is the one for a separately built unit that is
linked into the whole (a layer is a content-addressed unit stacked into the image filesystem).
Config-level findings (no path) have no physical location and the logical location "config" of
kind "object", the spec's kind for a JSON object (the image config is one).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from analyzer.text import exact_bytes

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
IMAGE_ROOT = "IMAGE_ROOT"
FINGERPRINT_KEY = "imageAudit/v1"

LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
"""SARIF level per severity (SARIF has no level above error)."""

SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0", "info": "0.0"}
"""Numeric `security-severity` per severity, inside the bands code-scanning UIs use
(critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9; 0.0 for informational)."""


def sarif_document(
    scan_doc: dict[str, Any], rules_doc: dict[str, Any], tool_version: str
) -> dict[str, Any]:
    """The SARIF log of a `scan --format json` document, one run per image."""
    rules = {rule["rule_id"]: rule for rule in rules_doc["rules"]}
    requirements: dict[str, str] = rules_doc.get("requirements", {})
    notices = [str(n) for n in scan_doc.get("notices", [])]
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            _run(image, rules, requirements, tool_version, notices) for image in scan_doc["images"]
        ],
    }


def image_label(image: dict[str, Any]) -> str:
    """How the image is named in logical locations: its first reference, else its config digest."""
    refs = image.get("refs") or []
    return str(refs[0]) if refs else str(image["config_digest"])


def _run(
    image: dict[str, Any],
    rules: dict[str, dict[str, Any]],
    requirements: dict[str, str],
    tool_version: str,
    notices: list[str],
) -> dict[str, Any]:
    findings = image["findings"]
    used = sorted({f["rule_id"] for f in findings})
    descriptors = [
        _rule(rules.get(rule_id) or _rule_from_finding(rule_id, findings), requirements)
        for rule_id in used
    ]
    index = {rule_id: i for i, rule_id in enumerate(used)}
    label = image_label(image)
    return {
        "tool": {"driver": {"name": "image-audit", "version": tool_version, "rules": descriptors}},
        "automationDetails": {"id": f"image-audit/{label}/"},
        "invocations": [_invocation(notices)],
        "originalUriBaseIds": {IMAGE_ROOT: _image_root(image, label)},
        "results": [_result(f, index[f["rule_id"]], label) for f in findings],
        "properties": _image_facts(image),
    }


def _rule(rule: dict[str, Any], requirements: dict[str, str]) -> dict[str, Any]:
    severity = str(rule["severity"])
    pci = [str(p) for p in rule.get("pci", [])]
    pci_lines = [f"- {p}: {requirements[p]}" if p in requirements else f"- {p}" for p in pci]
    help_text = f"{rule['why']}\n\nFix: {rule['fix']}"
    if pci_lines:
        help_text += "\n\nPCI DSS:\n" + "\n".join(pci_lines)
    return {
        "id": rule["rule_id"],
        "name": _pascal_name(str(rule["rule_id"])),
        "shortDescription": {"text": rule["title"]},
        "fullDescription": {"text": rule["why"]},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "category": rule["category"],
            "severity": severity,
            "pci": pci,
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": sorted({"security", str(rule["category"]), *pci}),
        },
    }


def _rule_from_finding(rule_id: str, findings: list[dict[str, Any]]) -> dict[str, Any]:
    """A rule the rules document lacks (a plugin's): described from its first finding."""
    first = next(f for f in findings if f["rule_id"] == rule_id)
    return {
        "rule_id": rule_id,
        "title": first["title"],
        "category": first["category"],
        "severity": first["severity"],
        "pci": first.get("pci", []),
        "why": first["title"],
        "fix": "See the finding's evidence.",
    }


def _pascal_name(rule_id: str) -> str:
    """`IA-SECRET-AWS-KEY` -> `SecretAwsKey`: the readable identifier SARIF viewers show."""
    words = rule_id.removeprefix("IA-").split("-")
    return "".join(word.capitalize() for word in words if word)


def _result(finding: dict[str, Any], rule_index: int, label: str) -> dict[str, Any]:
    return {
        "ruleId": finding["rule_id"],
        "ruleIndex": rule_index,
        "level": LEVELS[str(finding["severity"])],
        "message": {"text": finding.get("evidence") or finding["title"]},
        "locations": [_location(finding, label)],
        "partialFingerprints": {FINGERPRINT_KEY: finding["fingerprint"]},
        "properties": {
            key: finding.get(key)
            for key in (
                "present_in_final",
                "recoverable",
                "layer_index",
                "diff_id",
                "created_by",
                "pci",
            )
        },
    }


def _location(finding: dict[str, Any], label: str) -> dict[str, Any]:
    location: dict[str, Any] = {}
    path = str(finding.get("path") or "")
    if path:
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": image_path_uri(path), "uriBaseId": IMAGE_ROOT}
        }
        if finding.get("line"):
            physical["region"] = {"startLine": int(finding["line"])}
        location["physicalLocation"] = physical
    location["logicalLocations"] = [_logical(finding, label, bool(path))]
    return location


def _logical(finding: dict[str, Any], label: str, has_path: bool) -> dict[str, Any]:
    layer = finding.get("layer_index")
    if has_path and layer is not None:
        return {
            "name": f"layer {layer}",
            "fullyQualifiedName": f"{label}/layer/{layer}",
            "kind": "module",
        }
    if has_path:
        return {"name": "filesystem", "fullyQualifiedName": f"{label}/filesystem", "kind": "module"}
    return {"name": "config", "fullyQualifiedName": f"{label}/config", "kind": "object"}


def image_path_uri(path: str) -> str:
    """A path inside the image as a relative URI against IMAGE_ROOT.

    >>> image_path_uri("/app/config/.env")
    'app/config/.env'
    >>> image_path_uri("/srv/my file#1.txt")
    'srv/my%20file%231.txt'

    A name that was not UTF-8 is percent-encoded as the bytes it was read from:

    >>> image_path_uri("/srv/caf\\udce9")
    'srv/caf%E9'
    """
    return quote(exact_bytes(path.lstrip("/")), safe="/-._~!$&'()*+,;=:@")


def _image_root(image: dict[str, Any], label: str) -> dict[str, Any]:
    return {
        "description": {
            "text": f"Root filesystem of image {label} (config {image['config_digest']}), "
            "as merged from its layers; paths are relative to /"
        },
        "properties": {
            "config_digest": image["config_digest"],
            "refs": list(image.get("refs", [])),
        },
    }


def _image_facts(image: dict[str, Any]) -> dict[str, Any]:
    suppressed = image.get("suppressed", 0)
    return {
        "refs": list(image.get("refs", [])),
        "platform": image.get("platform", ""),
        "source_format": image.get("source_format", ""),
        "manifest_digest": image.get("manifest_digest", ""),
        "config_digest": image["config_digest"],
        "hidden_below_min_severity": image.get("hidden_below_min_severity", 0),
        "suppressed": len(suppressed) if isinstance(suppressed, list) else suppressed,
    }


def _invocation(notices: list[str]) -> dict[str, Any]:
    notifications = [{"level": "note", "message": {"text": text}} for text in notices]
    return {"executionSuccessful": True, "toolExecutionNotifications": notifications}


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("analyzer.bundle").joinpath("schemas/sarif-schema-2.1.0.json")
    return json.loads(text.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def sarif_errors(doc: dict[str, Any]) -> list[str]:
    """Why `doc` is not valid SARIF 2.1.0 (empty when it is); never fetches anything.

    The schema refers only to its own `#/definitions`; the empty registry has no retriever, so
    any other `$ref` fails instead of being downloaded. (jsonschema is imported here: only
    validation needs it, and it takes a tenth of a second to import.)
    """
    import jsonschema  # noqa: PLC0415
    from referencing import Registry  # noqa: PLC0415

    validator = jsonschema.Draft4Validator(
        _schema(),
        registry=Registry(),
        format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER,
    )
    errors = validator.iter_errors(doc)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors)
