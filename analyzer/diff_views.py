"""What `diff` prints for a person: counts first, then every difference, as a terminal text or
Markdown, from the (scrubbed) diff document."""

from __future__ import annotations

import json
from typing import Any

from analyzer.bundle.report import md_cell
from analyzer.terminal import PLAIN, Layout, paragraph

_SHOWN = 200
"""Items listed per section (the JSON has them all)."""


def _sections(doc: dict[str, Any]) -> list[tuple[str, list[str]]]:
    layers, files, packages, findings = (
        doc["layers"],
        doc["files"],
        doc["packages"],
        doc["findings"],
    )
    return [
        ("layers added", layers["added"]),
        ("layers removed", layers["removed"]),
        ("files added", files["added"]),
        ("files removed", files["removed"]),
        (
            "files modified",
            [
                f"{m['path']}: "
                + ", ".join(f"{k} {v[0] or '-'} -> {v[1] or '-'}" for k, v in m["changes"].items())
                for m in files["modified"]
            ],
        ),
        ("packages added", packages["added"]),
        ("packages removed", packages["removed"]),
        ("packages changed", packages["changed"]),
        ("findings new", [_finding(f) for f in findings["new"]]),
        ("findings resolved", [_finding(f) for f in findings["resolved"]]),
        (
            "config",
            [
                f"{name}: {json.dumps(c['old'], ensure_ascii=False)} -> "
                f"{json.dumps(c['new'], ensure_ascii=False)}"
                for name, c in doc["config"].items()
            ],
        ),
    ]


def _finding(f: dict[str, Any]) -> str:
    return f"{f['severity']} {f['rule_id']} {f['path'] or '(config)'}: {f['evidence']}"


def _summary(doc: dict[str, Any]) -> str:
    shared = len(doc["layers"]["shared"])
    counts = ", ".join(f"{len(items)} {name}" for name, items in _sections(doc) if items)
    unchanged = doc["findings"]["unchanged"]
    return (
        f"{doc['old']['label']} -> {doc['new']['label']}: {shared} layer(s) shared, "
        f"{unchanged} finding(s) unchanged; " + (counts or "no other difference")
    )


def diff_text(doc: dict[str, Any], layout: Layout = PLAIN) -> str:
    """The summary line, then each non-empty section."""
    parts = [paragraph(_summary(doc), layout)]
    for name, items in _sections(doc):
        if not items:
            continue
        parts.append("\n" + paragraph(f"{name} ({len(items)}):", layout))
        parts += [paragraph(f"  {item}", layout) for item in items[:_SHOWN]]
        if len(items) > _SHOWN:
            parts.append(paragraph(f"  ... and {len(items) - _SHOWN} more (-f json)", layout))
    return "".join(parts)


def diff_markdown(doc: dict[str, Any]) -> str:
    """The same as Markdown."""
    out = [f"# diff: {md_cell(doc['old']['label'])} -> {md_cell(doc['new']['label'])}", ""]
    out += [md_cell(_summary(doc)), ""]
    for name, items in _sections(doc):
        if items:
            out += [f"## {name} ({len(items)})", ""]
            out += [f"- {md_cell(item)}" for item in items]
            out.append("")
    return "\n".join(out) + "\n"
