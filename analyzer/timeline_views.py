"""What `timeline` prints for a person: a row per build step, then the leads, as a terminal table
or Markdown, from the (scrubbed) timeline documents."""

from __future__ import annotations

from typing import Any

from analyzer.bundle.report import md_cell
from analyzer.terminal import PLAIN, Column, Layout, paragraph, table

COLUMNS = (
    Column("#"),
    Column("created", wrap=10),
    Column("layer"),
    Column("bytes"),
    Column("files +/~/-", wrap=9),
    Column("setid"),
    Column("packages +/-/~", wrap=9),
    Column("findings +/-", wrap=8),
    Column("created_by", wrap=20, prose=True),
)


def _when(created: str) -> str:
    """A step's time to the second (the JSON keeps it exact).

    >>> _when("2019-10-30T23:20:37.083008444Z"), _when("")
    ('2019-10-30 23:20:37', '')
    """
    return created[:19].replace("T", " ")


def _cells(index: int, step: dict[str, Any]) -> list[object]:
    if step["layer"] is None:
        return [index, _when(step["created"]), "-", "", "", "", "", "", step["created_by"]]
    files, packages, findings = step["files"], step["packages"], step["findings"]
    return [
        index,
        _when(step["created"]),
        step["layer"],
        step["layer_bytes"],
        f"{files['added']}/{files['modified']}/{files['deleted']}",
        len(step["setid_changes"]),
        f"{len(packages['installed'])}/{len(packages['removed'])}/{len(packages['changed'])}",
        f"{len(findings['introduced'])}/{len(findings['removed'])}",
        step["created_by"],
    ]


def timeline_table(doc: dict[str, Any], layout: Layout = PLAIN) -> str:
    """Every image's steps, then its leads."""
    parts = []
    for image in doc["images"]:
        parts.append(
            "\n" + paragraph(f"== {image['label']} (created {image['created'] or '?'})", layout)
        )
        rows = [_cells(i, step) for i, step in enumerate(image["steps"])]
        parts.append(table(rows, COLUMNS, layout) + "\n")
        parts.append(_details(image, layout))
    return "".join(parts)


def _details(image: dict[str, Any], layout: Layout) -> str:
    lines = []
    for i, step in enumerate(image["steps"]):
        if step["layer"] is None:
            continue
        for what, items in (
            ("setuid/setgid", step["setid_changes"]),
            ("installed", step["packages"]["installed"]),
            ("removed", step["packages"]["removed"]),
            ("changed", step["packages"]["changed"]),
            ("finding", step["findings"]["introduced"]),
            ("finding removed", step["findings"]["removed"]),
        ):
            lines += [f"step {i}, {what}: {item}" for item in items[:20]]
            if len(items) > 20:
                lines.append(f"step {i}, {what}: ... and {len(items) - 20} more")
    leads = image["leads"] or ["nothing stands out"]
    text = "".join(paragraph(line, layout) for line in lines)
    return (
        text + paragraph("Look at:", layout) + "".join(paragraph(f"- {x}", layout) for x in leads)
    )


def timeline_markdown(doc: dict[str, Any]) -> str:
    """The same as Markdown: a table per image and its leads."""
    out = []
    for image in doc["images"]:
        out.append(f"## {md_cell(image['label'])}\n")
        out.append("| " + " | ".join(c.header for c in COLUMNS) + " |")
        out.append("|" + "---|" * len(COLUMNS))
        for i, step in enumerate(image["steps"]):
            out.append("| " + " | ".join(md_cell(c) for c in _cells(i, step)) + " |")
        out.append("\nLook at:\n")
        out += [f"- {md_cell(lead)}" for lead in image["leads"] or ["nothing stands out"]]
        out.append("")
    return "\n".join(out) + "\n"
