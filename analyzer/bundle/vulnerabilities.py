"""The "Known vulnerabilities" section of report.md and report.html: the data the packages were
compared with (each source's sha256 and newest record) and one row per IA-VULN finding listed.
Absent when the scan was given no vulnerability data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzer.bundle.page_assets import escape

COLUMNS = ["severity", "vulnerability", "package", "installed", "fixed", "layer", "aliases"]


def vulnerability_rows(report: dict[str, Any]) -> list[list[str]]:
    """One row per IA-VULN finding of the report, most severe first (the findings' order)."""
    rows = []
    for finding in report["findings"]:
        if finding["rule_id"] != "IA-VULN":
            continue
        details = finding["details"]
        layer = "-" if finding["layer_index"] is None else str(finding["layer_index"])
        rows.append(
            [
                finding["severity"],
                details["vulnerability"],
                details["package"],
                details["installed"],
                details["fixed"] or "none known",
                layer,
                details.get("aliases", ""),
            ]
        )
    return rows


def data_lines(data: dict[str, Any]) -> list[str]:
    """What the data is: each source with its digest and record count, and the newest record."""
    lines = [f"{s['path']}: {s['records']} records, sha256 {s['sha256']}" for s in data["sources"]]
    newest = data.get("newest_record") or "not dated"
    age = data.get("age_days")
    lines.append(f"newest record: {newest}" + (f" ({age} days before the scan)" if age else ""))
    uncovered = data.get("uncovered") or []
    if uncovered:
        lines.append("not covered by the data: " + ", ".join(uncovered))
    return lines


def vulnerabilities_markdown(report: dict[str, Any], cell: Callable[[object], str]) -> list[str]:
    """The markdown section (`cell` escapes one table cell or line)."""
    data = report.get("vulnerabilities")
    if not data:
        return []
    rows = vulnerability_rows(report)
    lines = ["## Known vulnerabilities", ""] + [f"- {cell(line)}" for line in data_lines(data)]
    if not rows:
        return [*lines, "", "No listed package has a known vulnerability in this data.", ""]
    table = [COLUMNS, ["---"] * len(COLUMNS), *rows]
    return [*lines, "", *("| " + " | ".join(cell(c) for c in r) + " |" for r in table), ""]


def vulnerabilities_html(report: dict[str, Any]) -> str:
    """The html section ("" without vulnerability data)."""
    data = report.get("vulnerabilities")
    if not data:
        return ""
    items = "".join(f"<li>{escape(line)}</li>" for line in data_lines(data))
    rows = vulnerability_rows(report)
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in rows
    )
    table = (
        f'<table id="vulnerabilities-table">\n<tr>{head}</tr>\n{body}\n</table>'
        if rows
        else "<p>No listed package has a known vulnerability in this data.</p>"
    )
    return (
        f'<section id="vulnerabilities">\n<h2>Known vulnerabilities</h2>\n<ul>{items}</ul>\n'
        f"{table}\n</section>"
    )
