"""report.json and report.md: one image's evidence, for tools and for a person."""

from __future__ import annotations

import json
from typing import Any

from analyzer.bundle.requirements import not_assessable, requirement_summary
from analyzer.text import json_bytes

REPORT_SCHEMA_VERSION = 1


def canonical_json(doc: Any) -> bytes:
    """Stable bytes for a JSON document: sorted keys, two-space indent, final newline (a
    surrogate from a name that was not UTF-8 is written as its JSON escape)."""
    return json_bytes(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def report_document(
    image: dict[str, Any],
    archive: dict[str, Any],
    input_facts: dict[str, Any],
    notices: list[str],
) -> dict[str, Any]:
    """The report.json document of one image (validated by schemas/report.schema.json)."""
    findings = image["findings"]
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "input": input_facts,
        "archive_format": archive["format"],
        "image": {
            k: image[k]
            for k in (
                "refs",
                "platform",
                "source_format",
                "manifest_digest",
                "config_digest",
                "user",
            )
        },
        "layers": image["layers"],
        "summary": image["summary"],
        "requirements": requirement_summary(findings),
        "not_assessable": not_assessable(),
        "findings": findings,
        "suppressed": image["suppressed"],
        "hidden_below_min_severity": image["hidden_below_min_severity"],
        "os": image.get("os"),
        "packages": image.get("packages", []),
        "signatures": image.get("signatures", []),
        "secret_scan": image.get("secret_scan", {}),
        "notices": notices,
    }


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def report_markdown(report: dict[str, Any]) -> str:
    """The assessor's summary: verdict per requirement, top findings, what was not assessable."""
    image = report["image"]
    name = ", ".join(image["refs"]) or image["config_digest"]
    lines = [
        f"# Image audit: {name}",
        "",
        f"- platform: {image['platform']}; config {image['config_digest']}",
        f"- input: {report['input']['name']} ({report['input']['size']} bytes, "
        f"sha256 {report['input']['sha256']})",
        "- findings: " + ", ".join(f"{n} {s}" for s, n in report["summary"].items()),
        "",
        "## Verdict per requirement",
        "",
        _row(["requirement", "status", "findings", "what it asks"]),
        _row(["---"] * 4),
    ]
    lines += [
        _row([r["requirement"], r["status"].upper(), len(r["findings"]), r["text"]])
        for r in report["requirements"]
    ]
    lines += [
        "",
        "## Top findings",
        "",
        _row(["severity", "rule", "path", "layer", "in final", "evidence"]),
        _row(["---"] * 6),
    ]
    top = [f for f in report["findings"] if f["severity"] != "info"][:25]
    lines += [
        _row(
            [
                f["severity"],
                f["rule_id"],
                f["path"] or "(config)",
                "-" if f["layer_index"] is None else f["layer_index"],
                "yes" if f["present_in_final"] else "no (recoverable)",
                f["evidence"][:120],
            ]
        )
        for f in top
    ]
    lines += ["", "## Not assessable from the image", ""]
    lines += [f"- **{item['practice']}**: {item['reason']}" for item in report["not_assessable"]]
    if report["notices"]:
        lines += ["", "## Notices", ""] + [f"- {n}" for n in report["notices"]]
    return "\n".join(lines) + "\n"
