"""What `inspect`, `scan` and `rules` print for a person: tables built from their
(scrubbed) documents, every cell printable and bounded, fitted to the layout's width (see
`analyzer.terminal`): long paths, evidence and build steps wrap inside their column."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from analyzer.archive.digest import short
from analyzer.findings.verdicts import image_verdicts, verdict_line
from analyzer.terminal import PLAIN, Column, Layout, one_line, paragraph, table, wrap
from analyzer.views import document_label


def heading(image: dict[str, Any], layout: Layout = PLAIN) -> str:
    """The line naming an image before its tables: `== refs (platform)`."""
    name = ", ".join(image["refs"]) or document_label(image)
    return paragraph(f"== {name} ({image['platform']})", layout)


def notice_lines(notices: Sequence[str], layout: Layout = PLAIN) -> str:
    """The notices block: each notice printable (it may quote a name), wrapped to the width."""
    if not notices:
        return ""
    return "\nNotices:\n" + "".join(_item(one_line(n), layout) for n in notices)


def _item(text: str, layout: Layout) -> str:
    """A list item: "  - text", its continuation lines indented under the text."""
    lines = [text] if layout.wide else wrap(text, layout.width - 4)
    return "  - " + "".join(
        f"{line}\n" if i == 0 else f"    {line}\n" for i, line in enumerate(lines)
    )


FINDING_COLUMNS = (
    Column("severity", severity=True),
    Column("rule"),
    Column("path", wrap=16),
    Column("layer"),
    Column("in final", wrap=13),
    Column("pci", wrap=7),
    Column("evidence", prose=True, detail=True),
)
"""Rule ids are never broken (they are copied into suppressions); the evidence goes under its
finding, as wide as the terminal, unless --wide puts it last on the line."""


def scan_table(doc: dict[str, Any], layout: Layout = PLAIN, *, show_vendor: bool = False) -> str:
    """The human-readable scan summary: the overall PCI verdict line, counts by severity, then
    one row per finding. Vendor content (a secret-looking value in an unmodified file of a
    published package, details.vendor) is counted, and listed only with `show_vendor`."""
    parts: list[str] = []
    for image in doc["images"]:
        parts.append("\n" + heading(image, layout))
        parts.append(f"PCI DSS: {verdict_line(v.status for v in image_verdicts(image))}\n\n")
        summary = image["summary"]
        parts.append(table([list(summary.values())], list(summary), layout) + "\n\n")
        listed = [f for f in image["findings"] if show_vendor or not _vendor(f)]
        rows = [
            [
                f["severity"],
                f["rule_id"],
                f["path"] or "(config)",
                "-" if f["layer_index"] is None else f["layer_index"],
                _in_final(f),
                ", ".join(f["pci"]),
                f["evidence"],
            ]
            for f in listed
        ]
        parts.append(table(rows, FINDING_COLUMNS, layout) + "\n")
        parts.append(_policy_lines(image, layout, len(image["findings"]) - len(listed)))
    return "".join(parts) + notice_lines(doc["notices"], layout)


def _in_final(finding: dict[str, Any]) -> str:
    if finding["present_in_final"]:
        return "yes"
    return "no (recoverable)" if finding["recoverable"] else "no"


def _vendor(finding: dict[str, Any]) -> bool:
    return bool(finding.get("details", {}).get("vendor") == "true")


def _policy_lines(image: dict[str, Any], layout: Layout, vendor: int = 0) -> str:
    lines = []
    if vendor:
        lines.append(
            f"({vendor} vendor finding(s) not listed: secret-looking content of unmodified "
            "package files, info; --show-vendor lists them)"
        )
    if hidden := image["hidden_below_min_severity"]:
        by_severity = image.get("hidden_by_severity") or {}
        counted = ", ".join(f"{n} {s}" for s, n in by_severity.items() if n)
        option = image.get("severity_option") or "--min-severity"
        counted = f": {counted}" if counted else ""
        lines.append(f"({hidden} finding(s) not listed, by {option}{counted})")
    suppressed = image["suppressed"]
    if isinstance(suppressed, int):
        if suppressed:
            lines.append(f"({suppressed} suppressed finding(s); --show-suppressed lists them)")
    else:
        lines += [
            f"suppressed: {s['finding']['rule_id']} {s['finding']['path'] or '(config)'} "
            f"- {s['reason']}"
            for s in suppressed
        ]
    return "".join(paragraph(line, layout) for line in lines)


ARTIFACT_COLUMNS = (
    Column("kind"),
    Column("digest"),
    Column("type", wrap=12),
    Column("refs", wrap=12),
    Column("subject"),
)


def inspect_table(doc: dict[str, Any], layout: Layout = PLAIN) -> str:
    """The human-readable `inspect`: the archive, each image's facts and layers, artifacts."""
    archive = doc["archive"]
    parts = [
        paragraph(
            f"{archive['path']}: {archive['format']} ({archive['kind']}, "
            f"compression {archive['compression']}), {len(doc['images'])} image(s)",
            layout,
        )
    ]
    several = len(doc["images"]) > 1 or any(image["number"] != 1 for image in doc["images"])
    parts += [_image_tables(image, layout, several) for image in doc["images"]]
    if doc["artifacts"]:
        parts.append("\nArtifacts (not images, not read as layers):\n")
        rows = [
            [
                a["kind"],
                short(a["digest"]),
                a["artifact_type"],
                ", ".join(a["refs"]),
                short(a["subject"]) if a["subject"] else "",
            ]
            for a in doc["artifacts"]
        ]
        parts.append(table(rows, ARTIFACT_COLUMNS, layout) + "\n")
    return "".join(parts) + notice_lines(doc["notices"], layout)


FACT_COLUMNS = (Column("fact"), Column("value", wrap=20))
LAYER_COLUMNS = (
    Column("#"),
    Column("digest"),
    Column("diff_id"),
    Column("compr."),
    Column("stored"),
    Column("size"),
    Column("entries"),
    Column("created_by", wrap=20, prose=True),
)


def _image_tables(image: dict[str, Any], layout: Layout, numbered: bool) -> str:
    facts = [["image", f"{image['number']} (--image {image['number']} chooses it)"]] * numbered
    facts += [
        ["references", ", ".join(image["refs"]) or "(none)"],
        ["platform", image["platform"]],
        ["manifest", image["manifest_digest"] or "(none in a legacy docker archive)"],
        ["config", image["config_digest"]],
        ["created", image["created"]],
        ["user", image["user"] or "(not set: root)"],
        ["entrypoint", json.dumps(image["entrypoint"])],
        ["cmd", json.dumps(image["cmd"])],
        ["env names", ", ".join(image["env_names"])],
        ["labels", ", ".join(f"{k}={v}" for k, v in image["labels"].items())],
    ]
    rows = [
        [
            layer["index"],
            short_hex(layer["digest"]),
            short_hex(layer["diff_id"]),
            layer["compression"],
            layer["compressed_size"],
            layer["uncompressed_size"],
            layer["entries"],
            layer["created_by"],
        ]
        for layer in image["layers"]
    ]
    facts_table = table(facts, FACT_COLUMNS, layout, header=False)
    return f"\n{facts_table}\n\n{table(rows, LAYER_COLUMNS, layout)}\n"


def short_hex(digest: str) -> str:
    """A layer digest in 12 hex digits, as docker shows image ids (the algorithm named only
    when it is not sha256), so that the layer table fits 100 columns.

    >>> short_hex("sha256:" + "ab" * 32), short_hex("sha512:" + "cd" * 64)
    ('abababababab', 'sha512:cdcdcdcdcdcd')
    """
    algorithm, _, rest = digest.partition(":")
    return rest[:12] if algorithm == "sha256" and rest else short(digest)


RULE_COLUMNS = (
    Column("rule"),
    Column("severity", severity=True),
    Column("category", wrap=8),
    Column("pci", wrap=7),
    Column("title", wrap=20, prose=True),
)


def rules_table(doc: dict[str, Any], layout: Layout = PLAIN) -> str:
    """The `rules` table: id, severity, category, PCI references and title of every rule."""
    rows = [
        [d["rule_id"], d["severity"], d["category"], ", ".join(d["pci"]), d["title"]]
        for d in doc["rules"]
    ]
    return table(rows, RULE_COLUMNS, layout) + "\n"
